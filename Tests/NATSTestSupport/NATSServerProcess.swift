import Foundation
import NATSClient

/// A real `nats-server -js` on a free port with a temporary store, started by the tests of
/// the NATS client and of the nats stages.
public final class NATSServerProcess {
    /// Why a server could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether `nats-server` is installed (`.ci/run` installs Debian's).
    public static var isInstalled: Bool { executable != nil }

    static var executable: String? {
        ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// Its JetStream store directory (kept across ``stop()`` and ``start()``).
    public let storeDirectory: String
    private let extraArguments: [String]
    private var process: Process?
    private var logFile: String { storeDirectory + ".log" }
    /// What ``connect(user:password:)`` starts from (set TLS or an nkey for a secured server).
    public var clientOptions: NATSConnection.Options

    /// `nats://127.0.0.1:PORT`.
    public var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts a server with `arguments` added to `-js -a 127.0.0.1 -p PORT -sd DIR`.
    public init(arguments: [String] = []) throws {
        port = Self.freePort()
        storeDirectory = NSTemporaryDirectory() + "switchyard-nats-\(UUID().uuidString)"
        extraArguments = arguments
        clientOptions = NATSConnection.Options(urls: ["nats://127.0.0.1:\(port)"])
        try start()
    }

    /// A port nobody listens on now (the kernel's pick for port 0).
    public static func freePort() -> Int {
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

    /// Starts the server (again, on the same port and store) and waits until it accepts
    /// connections; throws with the server's own output if it exits or does not listen in 20 s.
    public func start() throws {
        guard let executable = Self.executable else { throw StartError(description: "nats-server is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", storeDirectory] + extraArguments
        FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, process.isRunning {
            if Self.accepts(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let output = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        stop()
        throw StartError(description: "nats-server did not start on port \(port): \(output.suffix(2000))")
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// SIGTERM, and waits for the exit.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    deinit { stop() }

    /// A connection for the test's own calls.
    public func connect(user: String? = nil, password: String? = nil) async throws -> NATSConnection {
        var options = clientOptions
        if let user { options.user = user }
        if let password { options.password = password }
        return try await NATSConnection.connect(options)
    }
}
