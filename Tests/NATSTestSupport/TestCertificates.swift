import Foundation

/// A private CA and a server certificate for `localhost` and `127.0.0.1`, made by `openssl`
/// in a temporary directory.
public struct TestCertificates {
    /// Where `openssl` is, if installed.
    public static var opensslPath: String? {
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The temporary directory holding the files.
    public let directory: String
    /// The CA's certificate (PEM): what a client trusts.
    public var authority: String { directory + "/ca.pem" }
    /// The server's certificate (PEM).
    public var serverCertificate: String { directory + "/server.pem" }
    /// The server's private key (PEM).
    public var serverKey: String { directory + "/server.key" }

    /// A nats-server configuration file requiring TLS with this certificate, plus `extra`
    /// (an `authorization` block, say); the handshake may take 10 s, not the default 2 s,
    /// so that a busy test machine does not fail it.
    public func serverConfiguration(extra: String = "") throws -> String {
        let path = directory + "/server-\(UUID().uuidString).conf"
        let text = "tls { cert_file: \"\(serverCertificate)\", key_file: \"\(serverKey)\", timeout: 10 }\n\(extra)\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Makes the CA and the server certificate.
    public init() throws {
        directory = NSTemporaryDirectory() + "switchyard-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: directory + "/san.cnf", atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                     "-subj", "/CN=Switchyard Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "ca.key", "-out", "ca.pem"])
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"])
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                     "-days", "2", "-extfile", "san.cnf", "-out", "server.pem"])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        guard let openssl = Self.opensslPath else { throw NATSServerProcess.StartError(description: "openssl is not installed") }
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NATSServerProcess.StartError(description: "openssl \(arguments.joined(separator: " ")) failed")
        }
    }
}
