import Hummingbird
import Logging
import NIOCore
import SwitchyardAPI
import SwitchyardKit

/// Receives events over HTTP: answers 200 once they are in the pipeline, 400 for bad input
/// (nothing of a bad body is taken), 401, 413, 415 for an unknown `Content-Encoding`, and 503
/// while the pipeline is full. Bodies may come compressed with gzip or deflate.
public struct HTTPServerSource: Source {
    public struct Configuration: StageConfiguration {
        @Option("Where to listen: HOST:PORT, e.g. 127.0.0.1:8080.")
        var address: String
        @Option("The path that takes POSTs.")
        var path = "/events"
        @Option("`ndjson`: one JSON value per line (blank lines skipped); `json`: an object, or an array of objects.")
        var decoding = Decoding.ndjson
        @Option("Require `Authorization: Bearer <token>` (401 otherwise; never logged).")
        var auth: Auth?
        @Option("Larger bodies are refused with 413: the body as sent, and again once decompressed (a gzip body is stopped as soon as it decompresses past this).")
        var max_body_bytes = ConfigByteSize(bytes: 10 << 20)
        @Option("Bytes of request bodies held at once, across connections, while they arrive and are decoded (default: the larger of 64MiB and 4 × max_body_bytes). A request that would pass it is answered 503 with Retry-After: 1 and Connection: close, before its body is read when its Content-Length tells.")
        var max_pending_bytes: ConfigByteSize?
        @Option("true: answer 200 only once every sink the events reached has made them durable (503 if a drop_newest buffer dropped any, 500 if a sink failed them). false: answer 200 once the events are queued.")
        var acknowledgements = true
        @Option("A connection whose request head is not complete this long after it connected (or after its previous answer, kept alive) is closed: slow clients cannot hold connections.")
        var header_timeout = ConfigDuration(ServerLimits.defaultHeaderTimeout)
        @Option("A request body not received in full within this time is answered 408 and the connection closed.")
        var body_timeout = ConfigDuration(ServerLimits.defaultBodyTimeout)
        @Option("Open connections at most; further ones wait in the listen backlog until one closes.", minimum: 1)
        var max_connections = ServerLimits.defaultMaxConnections

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if HostPort(address) == nil { problems.append(OptionProblem(option: "address", "expected HOST:PORT, such as 127.0.0.1:8080")) }
            if !path.hasPrefix("/") { problems.append(OptionProblem(option: "path", "must start with '/'")) }
            if let auth, auth.token.isEmpty { problems.append(OptionProblem(option: "auth", "token must not be empty")) }
            if max_connections < 1 { problems.append(OptionProblem(option: "max_connections", "must be at least 1")) }
            if let max_pending_bytes, max_pending_bytes.bytes < max_body_bytes.bytes {
                problems.append(OptionProblem(option: "max_pending_bytes", "must be at least max_body_bytes (\(max_body_bytes)), or no body could be taken"))
            }
            return problems
        }
    }

    /// How a request body becomes events.
    public enum Decoding: String, ConfigEnum {
        /// One JSON value per line.
        case ndjson
        /// One JSON object, or an array of objects.
        case json
    }

    /// `auth: { token }`: clients send `Authorization: Bearer <token>`.
    struct Auth: OptionGroup {
        @Option("The token clients must send (write ${TOKEN}; never logged).")
        var token: String

        init() {}
    }

    public static let typeName = "http_server"
    public static let summary = "Receives events by HTTP POST; 200 once accepted, 400 for bad input, 503 while the pipeline is full."
    public static let example = """
        type: http_server
        address: 127.0.0.1:8080
        path: /events
        decoding: ndjson
        max_body_bytes: 10MB
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    /// The server's protections against slow and numerous clients.
    var limits: ServerLimits {
        ServerLimits(headerTimeout: configuration.header_timeout.duration,
                     bodyTimeout: configuration.body_timeout.duration,
                     maxConnections: configuration.max_connections)
    }

    public func run(output: SourceOutput) async throws {
        guard let address = HostPort(configuration.address) else { return }
        let router = Router()
        let pendingLimit = configuration.max_pending_bytes?.bytes ?? max(64 << 20, 4 * configuration.max_body_bytes.bytes)
        let handler = IngestHandler(configuration: configuration, context: context, output: output,
                                    bodyTimeout: limits.bodyTimeout, pending: PendingBytes(limit: pendingLimit))
        router.post(RouterPath(configuration.path)) { request, _ -> Response in
            await handler.handle(request)
        }
        let app = Application(
            router: router,
            server: limits.server,
            configuration: limits.configuration(host: address.host, port: address.port, logger: context.logger),
            onServerRunning: { channel in
                context.logger.info("listening", metadata: ["address": "\(address.host):\(channel.localAddress?.port ?? address.port)"])
            },
            logger: ServerLimits.serverLogger(context.logger)
        )
        try await GracefulServer(app, stopGrace: Self.stopGrace, logger: ServerLimits.serverLogger(context.logger)).run()
    }

    /// How long a stop waits for requests in flight (those waiting on acknowledgements wait
    /// ``IngestHandler/stoppingGrace``) before their connections are cancelled.
    static let stopGrace = IngestHandler.stoppingGrace + .seconds(1)
}
