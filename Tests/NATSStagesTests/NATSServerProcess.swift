import Foundation
import NATSClient
import Testing

/// A real `nats-server -js` on a free port with a temporary store, started by the tests.
final class NATSServerProcess {
    static var isInstalled: Bool { executable != nil }

    static var executable: String? {
        ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    let port: Int
    let storeDirectory: String
    private let extraArguments: [String]
    private var process: Process?

    var url: String { "nats://127.0.0.1:\(port)" }

    init(arguments: [String] = []) throws {
        port = Self.freePort()
        storeDirectory = NSTemporaryDirectory() + "switchyard-nats-\(UUID().uuidString)"
        extraArguments = arguments
        try start()
    }

    /// A port nobody listens on now (the kernel's pick for port 0).
    static func freePort() -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) }
        }
        return Int(UInt16(bigEndian: bound.sin_port))
    }

    /// Starts the server (again, on the same port and store) and waits until it answers.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.executable, "nats-server is not installed"))
        process.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", storeDirectory] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(socket)
            if connected == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("nats-server did not start on port \(port)")
    }

    /// SIGTERM, and waits for the exit.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    deinit { stop() }

    /// A connection for the test's own calls.
    func connect(user: String? = nil, password: String? = nil) async throws -> NATSConnection {
        var options = NATSConnection.Options(urls: [url])
        options.user = user
        options.password = password
        return try await NATSConnection.connect(options)
    }
}
