import Foundation
import NATSClient
import NATSTestSupport
import NIOSSL
import Testing

/// TLS against a real `nats-server --tls` with a certificate from a private CA that the test
/// makes with `openssl`.
@Suite("NATS TLS", .serialized, .enabled(if: NATSServerProcess.isInstalled && TestCertificates.opensslPath != nil, "needs nats-server and openssl"))
struct NATSTLSTests {
    @Test("with the CA file: the connection upgrades after INFO and messages flow; by 'localhost' too (hostname checked)")
    func trustedCertificate() async throws {
        let certificates = try TestCertificates()
        let server = try NATSServerProcess(arguments: ["-c", try certificates.serverConfiguration()])
        for url in [server.url, "nats://localhost:\(server.port)"] {
            var options = NATSConnection.Options(urls: [url])
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(certificates.authority)
            options.tls = tls
            let connection = try await NATSConnection.connect(options)
            let subscription = try connection.subscribe("secure")
            try connection.publish("secure", payload: Array("sealed".utf8))
            #expect(await subscription.next(limit: 1)?.first?.payload == Array("sealed".utf8))
            connection.close()
        }
    }

    @Test("without the CA (the server requires TLS, the system's CAs do not know its certificate): a clear error, no hang")
    func untrustedCertificate() async throws {
        let certificates = try TestCertificates()
        let server = try NATSServerProcess(arguments: ["-c", try certificates.serverConfiguration()])
        var options = NATSConnection.Options(urls: [server.url])
        options.connectTimeout = .seconds(5)
        let started = ContinuousClock.now
        let error = await #expect(throws: NATSError.self) { try await NATSConnection.connect(options) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("certificate") || text.contains("handshake") || text.contains("TLS") || text.contains("SSL"), "\(text)")
        #expect(!text.contains("no answer"), "it failed by timing out: \(text)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a plain server asked for TLS: the upgrade fails with an error, not a hang")
    func plainServerAskedForTLS() async throws {
        let certificates = try TestCertificates()
        let server = try NATSServerProcess()
        var options = NATSConnection.Options(urls: [server.url])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.authority)
        options.tls = tls
        options.connectTimeout = .seconds(5)
        await #expect(throws: NATSError.self) { try await NATSConnection.connect(options) }
    }
}
