import CoreStages
import Foundation
import NATSClient
import NATSTestSupport
import NATSStages
import NIOSSL
import SwitchyardKit
import SwitchyardTesting
import Testing

/// The nats sink and source against a real `nats-server -js` (no fake).
@Suite("nats stages", .serialized, .enabled(if: NATSServerProcess.isInstalled, "needs nats-server (Debian: nats-server; .ci/run installs it)"))
struct NATSStagesTests {
    static var harness: PipelineHarness {
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerNATSStages()
        return PipelineHarness(registry: registry)
    }

    /// Makes stream `name` taking `subjects`, with a duplicate window (and a largest message, if given).
    static func createStream(_ name: String, subjects: [String], maxMessageSize: Int? = nil, on server: NATSServerProcess) async throws {
        let connection = try await server.connect()
        defer { connection.close() }
        var config = JSONObject()
        config["name"] = .string(name)
        config["subjects"] = .array(subjects.map { .string($0) })
        config["storage"] = "file"
        config["duplicate_window"] = .int(120_000_000_000)
        if let maxMessageSize { config["max_msg_size"] = .int(Int64(maxMessageSize)) }
        try await JetStream(connection: connection).call("STREAM.CREATE.\(name)", .object(config))
    }

    /// How many messages stream `name` holds.
    static func messageCount(_ name: String, on server: NATSServerProcess) async throws -> Int64 {
        let connection = try await server.connect()
        defer { connection.close() }
        let info = try await JetStream(connection: connection).call("STREAM.INFO.\(name)")
        guard case .int(let count)? = info["state"]?["messages"] else { return -1 }
        return count
    }

    @Test("generator -> nats sink -> stream -> nats source: every event stored once and read back once")
    func roundTrip() async throws {
        let server = try NATSServerProcess()
        try await Self.createStream("EVENTS", subjects: ["events.>"], on: server)
        let count = Int(ProcessInfo.processInfo.environment["NATS_TEST_COUNT"] ?? "") ?? 200_000
        let metrics = try await Self.harness.run("""
            sources:
              gen: { type: generator, count: \(count), event: { kind: tick } }
            sinks:
              out: { type: nats, inputs: [gen], url: "\(server.url)", subject: "events.{{ .kind }}", msg_id: .sequence, window: 512 }
            """)
        #expect(metrics["out"]?.dropped == 0)
        #expect(try await Self.messageCount("EVENTS", on: server) == Int64(count))

        let collector = "nats-\(UUID())"
        let harness = Self.harness
        let pipeline = try harness.pipeline("""
            sources:
              in: { type: nats, url: "\(server.url)", stream: EVENTS, consumer: readers, subject: "events.>", batch: 512 }
            sinks:
              got: { type: collect, inputs: [in], name: \(collector) }
            """)
        let run = Task { try await pipeline.run() }
        let deadline = ContinuousClock.now + .seconds(120)
        while harness.collector.events(collector).count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        pipeline.stop()
        try await run.value
        let sequences = harness.collector.events(collector).compactMap { event -> Int64? in
            if case .int(let number)? = event.value["sequence"] { number } else { nil }
        }
        #expect(sequences.count == count)
        #expect(Set(sequences).count == count && sequences.min() == 1 && sequences.max() == Int64(count))
    }

    @Test("a message refused for good (over the server's max_payload, over the stream's max_msg_size) goes to dead_letter and the rest are stored; it used to be sent again forever")
    func refusedForGood() async throws {
        let server = try NATSServerProcess()
        try await Self.createStream("SIZED", subjects: ["sized.>"], maxMessageSize: 2_000, on: server)
        let directory = NSTemporaryDirectory() + "switchyard-nats-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lines = [#"{"k":1}"#, #"{"k":2,"pad":"\#(String(repeating: "x", count: 5_000))"}"#, #"{"k":3}"#,
                     #"{"k":4,"pad":"\#(String(repeating: "y", count: 1_100_000))"}"#, #"{"k":5}"#]
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        let metrics = try await Self.harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.ndjson, max_line_bytes: 4MB }
            sinks:
              out: { type: nats, inputs: [in], url: "\(server.url)", subject: "sized.x", dead_letter: { path: \(directory)/dead.ndjson } }
            """)
        #expect(try await Self.messageCount("SIZED", on: server) == 3)
        #expect(metrics["out"]?.eventsOut == 3)
        #expect(metrics["out"]?.errors == 2)
        #expect(metrics["out"]?.dropped == 0)
        let dead = try String(contentsOfFile: "\(directory)/dead.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(Set(dead.map { (try? JSONParser().parse(String($0)))?["k"] }) == [2, 4])
    }

    @Test("a stop while the server stays down ends: the sink gives up after a few more attempts and fails, its events unacknowledged")
    func stopWhileServerDown() async throws {
        let pipeline = try Self.harness.pipeline("""
            sources:
              gen: { type: generator, count: 3, event: { a: 1 } }
            sinks:
              out: { type: nats, inputs: [gen], url: "nats://127.0.0.1:1", subject: "x", reconnect: { initial: 50ms, max: 100ms } }
            """)
        let run = Task { try await pipeline.run() }
        while pipeline.metrics["out"]?.eventsIn ?? 0 < 3 { try await Task.sleep(for: .milliseconds(20)) }
        pipeline.stop()
        // Before, the sink tried to connect forever and the stop never ended.
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await run.value) == nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(ended, "the run ended, with the sink's failure")
        #expect(pipeline.metrics["out"]?.eventsOut == 0)
    }

    @Test("nats-server restarted while publishing (SIGTERM, 3 s down, same store): the sink reconnects, nothing lost or doubled")
    func serverRestart() async throws {
        let server = try NATSServerProcess()
        try await Self.createStream("RESTART", subjects: ["restart.>"], on: server)
        let count = 8_000
        let pipeline = try Self.harness.pipeline("""
            sources:
              gen: { type: generator, count: \(count), interval: 1ms, event: { kind: tick } }
            sinks:
              out: { type: nats, inputs: [gen], url: "\(server.url)", subject: restart.tick, msg_id: .sequence, ack_timeout: 1s, reconnect: { initial: 50ms, max: 500ms } }
            """)
        let run = Task { try await pipeline.run() }
        while (pipeline.metrics["out"]?.eventsIn ?? 0) < 1_000 { try await Task.sleep(for: .milliseconds(10)) }
        server.stop()
        try await Task.sleep(for: .seconds(3))
        try server.start()
        try await run.value
        #expect(pipeline.metrics["out"]?.dropped == 0)
        #expect(try await Self.messageCount("RESTART", on: server) == Int64(count))
        let health = pipeline.healthReport().stages.first { $0.id == "out" }?.details
        #expect(health?["reconnects"] != .int(0), "\(String(describing: health))")
    }

    @Test("TLS with a private CA and an nkey seed file: the sink stores over TLS, the source reads back")
    func tlsAndNKey() async throws {
        let certificates = try TestCertificates()
        let seedFile = certificates.directory + "/user.nk"
        try "\(DocumentedNKey.seed)\n".write(toFile: seedFile, atomically: true, encoding: .utf8)
        let config = try certificates.serverConfiguration(extra: "authorization { users = [ { nkey: \(DocumentedNKey.publicKey) } ] }")
        let server = try NATSServerProcess(arguments: ["-c", config])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.authority)
        server.clientOptions.tls = tls
        server.clientOptions.nkey = try NATSNKey(seed: DocumentedNKey.seed)
        try await Self.createStream("SECURE", subjects: ["secure.>"], on: server)
        let secured = "url: \"\(server.url)\", tls: { ca_file: \"\(certificates.authority)\" }, auth: { nkey_seed_file: \"\(seedFile)\" }"
        let metrics = try await Self.harness.run("""
            sources:
              gen: { type: generator, count: 2000, event: { kind: tick } }
            sinks:
              out: { type: nats, inputs: [gen], \(secured), subject: secure.tick, msg_id: .sequence }
            """)
        #expect(metrics["out"]?.dropped == 0)
        #expect(try await Self.messageCount("SECURE", on: server) == 2000)

        let collector = "nats-\(UUID())"
        let harness = Self.harness
        let pipeline = try harness.pipeline("""
            sources:
              in: { type: nats, \(secured), stream: SECURE, consumer: readers, subject: "secure.>" }
            sinks:
              got: { type: collect, inputs: [in], name: \(collector) }
            """)
        let run = Task { try await pipeline.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while harness.collector.events(collector).count < 2000, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        pipeline.stop()
        try await run.value
        #expect(Set(harness.collector.events(collector).compactMap { $0.value["sequence"] }).count == 2000)
    }

    @Test("a missing nkey seed file, a seed file without a seed, a missing CA file: the pipeline fails at startup naming the option, never the file's content")
    func wrongSecurityFiles() async throws {
        let directory = NSTemporaryDirectory() + "switchyard-nats-files-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "hunter2-not-a-seed\n".write(toFile: directory + "/bad.nk", atomically: true, encoding: .utf8)
        let cases = [
            ("auth: { nkey_seed_file: \(directory)/missing.nk }", "auth.nkey_seed_file", "cannot read"),
            ("auth: { nkey_seed_file: \(directory)/bad.nk }", "auth.nkey_seed_file", "holds no user seed"),
            ("tls: { ca_file: \(directory)/missing.pem }", "tls.ca_file", "cannot read"),
        ]
        for (option, name, reason) in cases {
            let text: String
            do {
                _ = try await Self.harness.run("""
                    sources:
                      gen: { type: generator, count: 1, event: { a: 1 } }
                    sinks:
                      out: { type: nats, inputs: [gen], subject: x, \(option) }
                    """)
                text = "it ran"
            } catch {
                text = "\(error)"
            }
            #expect(text.contains(name) && text.contains(reason), "\(text)")
            #expect(!text.contains("hunter2"))
        }
    }

    @Test("wrong credentials, an unknown stream, a server that is not NATS: clear errors in /health and the log, no crash")
    func clearErrors() async throws {
        let secured = try NATSServerProcess(arguments: ["--user", "sy", "--pass", "right-password"])
        do {
            _ = try await secured.connect(user: "sy", password: "wrong-password")
            Issue.record("a wrong password was accepted")
        } catch let error as NATSError {
            #expect("\(error)".contains("Authorization Violation"), "\(error)")
        }
        #expect(try await secured.connect(user: "sy", password: "right-password").isClosed == false)

        let server = try NATSServerProcess()
        let pipeline = try Self.harness.pipeline("""
            sources:
              in: { type: nats, url: "\(server.url)", stream: NOPE, consumer: c, reconnect: { initial: 50ms, max: 200ms } }
            sinks:
              out: { type: blackhole, inputs: [in] }
            """)
        let run = Task { try await pipeline.run() }
        var lastError = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while !lastError.contains("stream not found"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            lastError = pipeline.healthReport().stages.first { $0.id == "in" }?.details["last_error"]?.stringValue ?? ""
        }
        #expect(lastError.contains("JetStream error") && lastError.contains("stream not found"), "\(lastError)")
        pipeline.stop()
        try await run.value

        // Something that is not a NATS server: an HTTP listener.
        let listener = try TCPGreeter(greeting: "HTTP/1.1 400 Bad Request\r\n\r\n")
        do {
            _ = try await NATSConnection.connect(.init(urls: ["nats://127.0.0.1:\(listener.port)"]))
            Issue.record("an HTTP server was taken for NATS")
        } catch {
            #expect("\(error)".contains("not a NATS server"), "\(error)")
        }
    }
}

/// A TCP listener that writes `greeting` to each connection and closes it.
final class TCPGreeter: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32

    init(greeting: String) throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        descriptor = listening
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(listening, 8)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) }
        }
        port = Int(UInt16(bigEndian: bound.sin_port))
        Thread {
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                _ = Array(greeting.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
            }
        }.start()
    }

    deinit { shutdown(descriptor, Int32(SHUT_RDWR)); close(descriptor) }
}
