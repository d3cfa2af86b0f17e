import Foundation
import Testing

/// `switchyard tap` and `switchyard top` against a real running pipeline and its API.
@Suite("tap and top", .serialized)
struct TapTopTests {
    /// A running pipeline: generator -> route (even/odd) -> blackhole, with the API on a free port.
    private final class RunningPipeline {
        let child: SwitchyardProcess
        let address: String
        let log: String

        init(generatorInterval: String?) throws {
            let directory = NSTemporaryDirectory() + "switchyard-tap-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let interval = generatorInterval.map { ", interval: \($0)" } ?? ""
            try """
                api: { address: 127.0.0.1:0 }
                sources:
                  gen: { type: generator, event: { kind: tick }\(interval) }
                transforms:
                  split: { type: route, inputs: [gen], routes: { even: ".sequence % 2 == 0" } }
                sinks:
                  out: { type: blackhole, inputs: [split.even, split._unmatched] }
                """.write(toFile: "\(directory)/p.yaml", atomically: true, encoding: .utf8)
            log = "\(directory)/log.txt"
            child = try SwitchyardProcess(["run", "--progress-interval", "0", "\(directory)/p.yaml"], stderrFile: log)
            var found: String?
            _ = waitUntil {
                let text = (try? String(contentsOfFile: "\(directory)/log.txt", encoding: .utf8)) ?? ""
                guard let range = text.range(of: "API listening address=") else { return false }
                found = String(text[range.upperBound...].prefix { !$0.isWhitespace })
                return true
            }
            address = try #require(found, "the API never listened")
        }

        func stop() -> Int32 {
            child.signal(SIGTERM)
            return child.finish().status
        }
    }

    private func objects(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("tap prints the events leaving a stage output live; --condition, --limit and --meta; clear errors")
    func tapsOutputs() async throws {
        try await offPool {
            let pipeline = try RunningPipeline(generatorInterval: "1ms")
            let even = try SwitchyardProcess.run(["tap", "--api", pipeline.address, "split.even", "--limit", "5"])
            #expect(even.status == 0, "\(even.stderr)")
            let events = objects(even.stdout)
            #expect(events.count == 5 && events.allSatisfy { ($0["sequence"] as? Int).map { $0 % 2 == 0 } == true }, "\(even.stdout)")

            let filtered = try SwitchyardProcess.run(["tap", "--api", pipeline.address, "gen", "split._unmatched", "--meta",
                                                      "--condition", ".sequence % 3 == 0", "--limit", "6"])
            let wrapped = objects(filtered.stdout)
            #expect(wrapped.count == 6)
            #expect(wrapped.allSatisfy { ["gen", "split._unmatched"].contains($0["stage"] as? String) })
            #expect(wrapped.allSatisfy { (($0["event"] as? [String: Any])?["sequence"] as? Int).map { $0 % 3 == 0 } == true })

            let sink = try SwitchyardProcess.run(["tap", "--api", pipeline.address, "out"])
            #expect(sink.status == 1 && sink.stderr.contains("'out' is a sink and has no output; tap its inputs: split.even, split._unmatched"))
            let unknown = try SwitchyardProcess.run(["tap", "--api", pipeline.address, "splt"])
            #expect(unknown.status == 1 && unknown.stderr.contains("did you mean 'split'?"))
            let badCondition = try SwitchyardProcess.run(["tap", "--api", pipeline.address, "gen", "--condition", ".a ==="])
            #expect(badCondition.status == 1 && badCondition.stderr.contains("condition:"))
            #expect(pipeline.stop() == 0)
        }
    }

    @Test("a tap client that reads nothing never slows the pipeline; it is told how many copies it lost")
    func stuckClientLosesCopies() async throws {
        try await offPool {
            let pipeline = try RunningPipeline(generatorInterval: nil)
            let socket = try RawConnection(address: pipeline.address)
            socket.send("GET /tap?output=gen HTTP/1.1\r\nHost: x\r\n\r\n")
            func generated() throws -> Int {
                let top = try SwitchyardProcess.run(["top", "--api", pipeline.address, "--iterations", "1"])
                let line = top.stdout.split(separator: "\n").first { $0.hasPrefix("stage=gen ") } ?? ""
                return Int(line.split(separator: " ").first { $0.hasPrefix("out=") }?.dropFirst(4) ?? "") ?? 0
            }
            let start = try generated()
            // Far more than every buffer between the pipeline and the socket holds.
            #expect(waitUntil(60) { ((try? generated()) ?? 0) > start + 500_000 }, "the pipeline slowed down for a stuck tap client")
            let received = socket.receive(upTo: 8 << 20, until: "{\"dropped\":")
            #expect(received.contains("{\"dropped\":"), "the client was not told about lost copies")
            socket.close()
            #expect(pipeline.stop() == 0)
        }
    }

    @Test("/metrics of `run` comes from swift-prometheus: stage counters and a stage's own swift-metrics counter, one family each")
    func metricsThroughSwiftMetrics() async throws {
        try await offPool {
            let pipeline = try RunningPipeline(generatorInterval: "1ms")
            let script = SwitchyardProcess.repositoryRoot.appendingPathComponent("Tests/SwitchyardCLITests/Scripts/scrape_metrics.py").path
            let scrape = try SwitchyardProcess.run(["python3", script, "http://\(pipeline.address)/metrics"], executable: "/usr/bin/env")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(scrape.stdout.utf8)) as? [String: Any], "\(scrape.stderr)")
            #expect((parsed["untyped"] as? [String]) == [] && (parsed["repeated"] as? [String]) == [], "\(scrape.stdout)")
            let samples = try #require(parsed["samples"] as? [String: Double])
            let even = samples["switchyard_route_events_total{route=even,stage=split,type=route}"] ?? 0
            let odd = samples["switchyard_route_events_total{route=_unmatched,stage=split,type=route}"] ?? 0
            let received = samples["switchyard_events_received_total{kind=transform,stage=split,type=route}"] ?? 0
            #expect(even > 0 && odd > 0 && received > 0, "\(samples)")
            #expect(samples["switchyard_buffer_capacity_events{kind=sink,stage=out,type=blackhole}"] == 2_000)
            #expect(pipeline.stop() == 0)
        }
    }

    @Test("top shows every stage with rates, totals, buffers; one line per stage when not on a terminal")
    func topLines() async throws {
        try await offPool {
            let pipeline = try RunningPipeline(generatorInterval: "1ms")
            let top = try SwitchyardProcess.run(["top", "--api", pipeline.address, "--iterations", "2", "--interval", "300ms"])
            #expect(top.status == 0, "\(top.stderr)")
            let lines = top.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 6, "\(top.stdout)")
            let second = lines.suffix(3)
            #expect(second.first?.hasPrefix("stage=gen kind=source type=generator in/s=- out/s=") == true)
            let rate = Int(second.first?.split(separator: " ").first { $0.hasPrefix("out/s=") }?.dropFirst(6) ?? "") ?? 0
            #expect(rate > 0, "\(top.stdout)")
            #expect(second.contains { $0.hasPrefix("stage=split kind=transform") && $0.contains("buffer=") && $0.contains("/2000") })
            #expect(pipeline.stop() == 0)
            let gone = try SwitchyardProcess.run(["top", "--api", pipeline.address, "--iterations", "1"])
            #expect(gone.stdout.contains("cannot reach the API"))
        }
    }
}

/// A TCP client that sends a request and reads only when asked: a stuck HTTP client.
private final class RawConnection {
    private let descriptor: Int32

    init(address: String) throws {
        let parts = address.split(separator: ":")
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var receiveBuffer: Int32 = 4096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(parts[1])!).bigEndian
        inet_pton(AF_INET, String(parts[0]), &socketAddress.sin_addr)
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "cannot connect to \(address)")
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Reads until `marker` was seen or `limit` bytes were read (or the peer closed).
    func receive(upTo limit: Int, until marker: String) -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while received.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received += chunk[..<count]
            if String(decoding: received.suffix(count + marker.utf8.count), as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { Glibc.close(descriptor) }
}
