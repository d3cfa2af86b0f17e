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
}
