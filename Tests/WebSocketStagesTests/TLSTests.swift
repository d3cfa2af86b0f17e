import Foundation
import NIOSSL
import SwitchyardKit
import SwitchyardTesting
import Testing

/// wss:// with a private CA (`tls: { ca_file }`), certificates made with openssl for the test.
@Suite("websocket source over TLS", .serialized)
struct TLSTests {
    /// A CA and a server certificate for localhost, in a fresh directory: (directory, CA file, server TLS).
    static func makeCertificates() throws -> (String, String, TLSConfiguration) {
        let directory = NSTemporaryDirectory() + "switchyard-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            .write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
        let commands = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Switchyard Test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
             "-days", "2", "-extfile", "server.ext"],
        ]
        for arguments in commands {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        let server = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile("\(directory)/server.pem").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(directory)/server.key", format: .pem)))
        return (directory, "\(directory)/ca.pem", server)
    }

    @Test("wss with the CA from tls.ca_file streams; without it the certificate is refused")
    func privateCA() async throws {
        let (_, caFile, serverTLS) = try Self.makeCertificates()
        let server = FakeHomeAssistant(tls: serverTLS)
        let trusted = "wss-\(UUID())"
        try await WebSocketSourceTests.withPipeline(server: server, collector: trusted,
                                                    extra: "    tls: { ca_file: \(caFile) }") { server, pipeline in
            #expect(await WebSocketSourceTests.eventually { pipeline.healthReport().ready })
            let sent = try await server.sendEvents(10)
            #expect(await WebSocketSourceTests.eventually { WebSocketSourceTests.harness.collector.events(trusted).count == 10 })
            #expect(WebSocketSourceTests.sequences(trusted) == sent)
        }
        let untrusted = "wss-\(UUID())"
        try await WebSocketSourceTests.withPipeline(server: FakeHomeAssistant(tls: serverTLS), collector: untrusted) { _, pipeline in
            #expect(await WebSocketSourceTests.eventually {
                WebSocketSourceTests.details(pipeline)["last_error"]?.stringValue?.lowercased().contains("certificate") == true
            }, "\(WebSocketSourceTests.details(pipeline)["last_error"] ?? .null)")
            #expect(pipeline.healthReport().ready == false)
        }
    }

    /// Stops `pipeline` and waits for `run`, at most `limit`; false if it did not end by then.
    private static func stopEnds(_ pipeline: Pipeline, _ run: Task<Void, any Error>, within limit: Duration) async -> Bool {
        pipeline.stop()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { _ = try? await run.value; return true }
            group.addTask { try? await Task.sleep(for: limit); return false }
            let ended = await group.next()!
            group.cancelAll()
            return ended
        }
    }

    @Test("a stop at any moment of connecting (TCP, TLS handshake, upgrade, auth) ends the source; no attempt hangs it")
    func stopWhileConnecting() async throws {
        let (_, caFile, serverTLS) = try Self.makeCertificates()
        let server = FakeHomeAssistant(tls: serverTLS)
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            // Stops land 0-39 ms after the start: in every phase of the fast handshake cycles
            // (without the CA each attempt fails its handshake and retries after 20-200 ms).
            for attempt in 0..<80 {
                let trusted = attempt % 2 == 0
                let pipeline = try WebSocketSourceTests.harness.pipeline(WebSocketSourceTests.pipelineYAML(
                    url: server.url, collector: "wss-stop-\(UUID())", extra: trusted ? "    tls: { ca_file: \(caFile) }" : ""))
                let run = Task { try await pipeline.run() }
                try await Task.sleep(for: .milliseconds(attempt / 2))
                let ended = await Self.stopEnds(pipeline, run, within: .seconds(10))
                #expect(ended, "stop \(attempt) (\(trusted ? "trusted" : "untrusted")) left the source running")
                #expect(WebSocketSourceTests.integer(WebSocketSourceTests.details(pipeline)["max_listeners"]) <= 1)
                if !ended { break }
            }
            #expect(server.snapshot.maxSubscriptionsPerType <= 1)
            // An attempt given up at a stop opens nothing, and its socket is closed by its
            // deadline (connect_timeout: 1s) at the latest.
            #expect(await WebSocketSourceTests.eventually { server.snapshot.openConnections == 0 })
            group.cancelAll()
        }
    }

    @Test("an open wss connection closes promptly at a stop, even if the server never answers close_notify")
    func stopWhileOpen() async throws {
        let (_, caFile, serverTLS) = try Self.makeCertificates()
        let server = FakeHomeAssistant(tls: serverTLS)
        let collector = "wss-\(UUID())"
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            let pipeline = try WebSocketSourceTests.harness.pipeline(WebSocketSourceTests.pipelineYAML(
                url: server.url, collector: collector, extra: "    tls: { ca_file: \(caFile) }"))
            let run = Task { try await pipeline.run() }
            #expect(await WebSocketSourceTests.eventually { pipeline.healthReport().ready })
            // NIO's default TLS shutdown wait is 5 s; the source allows 500 ms.
            #expect(await Self.stopEnds(pipeline, run, within: .seconds(3)), "the stop waited for the server")
            group.cancelAll()
        }
    }
}
