import Hummingbird
import HummingbirdCore
import Logging
import SwitchyardKit

/// What protects an HTTP server from slow or too many clients: a deadline for each request
/// head (from connect, and between requests on a kept-alive connection), a deadline for
/// each body, and a cap on open connections.
public struct ServerLimits: Sendable, Hashable {
    public static let defaultHeaderTimeout = Duration.seconds(10)
    public static let defaultBodyTimeout = Duration.seconds(30)
    public static let defaultMaxConnections = 4096

    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var maxConnections: Int

    public init(headerTimeout: Duration = Self.defaultHeaderTimeout, bodyTimeout: Duration = Self.defaultBodyTimeout,
                maxConnections: Int = Self.defaultMaxConnections) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
    }

    /// The server builder: HTTP/1.1 that closes a connection whose request head does not arrive in time.
    public var server: HTTPServerBuilder {
        .http1(configuration: .init(idleTimeout: .nanoseconds(headerTimeout.nanoseconds)))
    }

    /// Application settings: the address, and at most `maxConnections` open connections (more wait in the backlog).
    public func configuration(host: String, port: Int, logger: Logger) -> ApplicationConfiguration {
        .init(address: .hostname(host, port: port), serverName: "switchyard", backlog: 1024,
              availableConnectionsDelegate: .maximum(maxConnections, logger: logger))
    }

    /// Hummingbird's logger, without the error lines it logs on every clean stop.
    public static func serverLogger(_ logger: Logger) -> Logger {
        QuietingLogHandler.logger(logger, quieting: [
            "Server shutdown error: Already closed", "Waiting on child channel: CancellationError",
        ])
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
