import Foundation
import SwitchyardTesting
import Testing

/// What a pipeline holds must not grow with how long it has run.
@Suite("long runs: memory stays flat", .serialized)
struct LongRunTests {
    @Test("the http sink frees each request once answered: 8,000 one-event requests grow RSS by less than 60 MB (about 21 KB a request was kept before)")
    func httpSinkRequestsAreFreed() async throws {
        let growth = try await offPool { try Self.rssGrowth() }
        print("http sink: RSS after 500 requests \(growth.early / 1024) MB, after 8,500 \(growth.late / 1024) MB")
        #expect(growth.late - growth.early < 60 * 1024, "RSS grew from \(growth.early) KB to \(growth.late) KB")
    }

    @Test("http_server: 30,000 requests grow RSS by less than 12 MB (each left its body timeout's timer, ~700 bytes, queued for 30 s before)")
    func httpServerRequestsLeaveNothing() async throws {
        let growth = try await offPool { try Self.serverGrowth() }
        print("http_server: RSS after 3,000 requests \(growth.early / 1024) MB, after 30,000 \(growth.late / 1024) MB")
        #expect(growth.late - growth.early < 12 * 1024, "RSS grew from \(growth.early) KB to \(growth.late) KB")
    }

    /// Resident memory (KB) of an `http_server` pipeline after 3,000 and after 30,000 requests.
    private static func serverGrowth() throws -> (early: Int, late: Int) {
        let directory = NSTemporaryDirectory() + "switchyard-long-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = Int.random(in: 40000...49999)
        let pipeline = "\(directory)/p.yaml"
        try """
            sources:
              in: { type: http_server, address: 127.0.0.1:\(port) }
            sinks:
              out: { type: blackhole, inputs: [in] }
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let server = try SwitchyardProcess(["run", pipeline])
        defer {
            server.signal(SIGTERM)
            _ = server.finish()
        }
        var connection: Int32 = -1
        #expect(waitUntil(30) {
            connection = LoopbackSocket.connect(port) ?? -1
            return connection >= 0
        }, "the server listens")
        defer { close(connection) }
        // Pipelined on one kept-alive connection, 500 at a time: one event each.
        let request = Array("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n{\"a\":1}\n".utf8)
        func send(rounds: Int) {
            for _ in 0..<rounds {
                let batch = Array([[UInt8]](repeating: request, count: 500).joined())
                _ = batch.withUnsafeBytes { Foundation.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Self.readAnswers(500, from: connection)
            }
        }
        send(rounds: 6)
        let early = residentKB(server.processIdentifier)
        send(rounds: 54)
        let late = residentKB(server.processIdentifier)
        return (early, late)
    }

    /// Reads until `count` answers ("HTTP/1.1 200") came on `connection` (or it ends, or 30 s pass).
    private static func readAnswers(_ count: Int, from connection: Int32) {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var seen = 0
        var carry: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let marker = Array("HTTP/1.1 200".utf8)
        while seen < count {
            let read = recv(connection, &chunk, chunk.count, 0)
            guard read > 0 else { return }
            let text = carry + chunk[0..<read]
            var index = 0
            while index + marker.count <= text.count {
                if text[index..<(index + marker.count)].elementsEqual(marker) {
                    seen += 1
                    index += marker.count
                } else {
                    index += 1
                }
            }
            carry = Array(text.suffix(marker.count - 1))
        }
    }

    /// Resident memory (KB) of the sender after 500 and after 8,500 delivered requests.
    private static func rssGrowth() throws -> (early: Int, late: Int) {
        let directory = NSTemporaryDirectory() + "switchyard-long-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = Int.random(in: 40000...49999)
        let received = "\(directory)/received.ndjson"
        let receiver = try PythonReceiver.start(port: port, file: received, directory: directory)
        defer {
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }
        let pipeline = "\(directory)/p.yaml"
        try """
            sources:
              in: { type: stdin }
            sinks:
              out:
                type: http
                inputs: [in]
                uri: http://127.0.0.1:\(port)/ingest
                batch: { max_events: 1 }
                retry: { initial_backoff: 50ms, max_backoff: 200ms }
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let sender = try SwitchyardProcess(["run", pipeline])
        func send(_ range: Range<Int>) {
            sender.write(range.map { "{\"id\":\($0)}\n" }.joined())
        }
        func deliveredLines() -> Int {
            (FileManager.default.contents(atPath: received)?.filter { $0 == 0x0A }.count) ?? 0
        }
        send(0..<500)
        #expect(waitUntil(60) { deliveredLines() >= 500 }, "the first 500 events arrive")
        let early = residentKB(sender.processIdentifier)
        send(500..<8500)
        #expect(waitUntil(120) { deliveredLines() >= 8500 }, "all 8,500 events arrive")
        let late = residentKB(sender.processIdentifier)
        sender.closeInput()
        let result = sender.finish()
        #expect(result.status == 0, "\(result.stderr)")
        return (early, late)
    }

    /// VmRSS of `pid`, in KB.
    private static func residentKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
