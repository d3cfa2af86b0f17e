import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwitchyardAPI
import SwitchyardKit

/// Receives events over HTTP: answers 200 once they are in the pipeline, 400 for bad input
/// (nothing of a bad body is taken), 401, 413, and 503 while the pipeline is full.
public struct HTTPServerSource: Source {
    public struct Configuration: StageConfiguration {
        var address: String
        var path: String?
        var decoding: Decoding?
        var auth: Auth?
        var max_body_bytes: ConfigByteSize?
        var acknowledgements: Bool?
        var header_timeout: ConfigDuration?
        var body_timeout: ConfigDuration?
        var max_connections: Int?

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if HostPort(address) == nil { problems.append(OptionProblem(option: "address", "expected HOST:PORT, such as 127.0.0.1:8080")) }
            if let path, !path.hasPrefix("/") { problems.append(OptionProblem(option: "path", "must start with '/'")) }
            if let auth, auth.token.isEmpty { problems.append(OptionProblem(option: "auth", "token must not be empty")) }
            if let max_connections, max_connections < 1 { problems.append(OptionProblem(option: "max_connections", "must be at least 1")) }
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
    struct Auth: Decodable, Sendable {
        var token: String
    }

    public static let typeName = "http_server"
    public static let summary = "Receives events by HTTP POST; 200 once accepted, 400 for bad input, 503 while the pipeline is full."
    public static let options = [
        StageOption("address", type: "HOST:PORT", required: true, "Where to listen, e.g. 127.0.0.1:8080."),
        StageOption("path", type: "string", default: "/events", "The path that takes POSTs."),
        StageOption("decoding", type: Decoding.valueList, default: "ndjson",
                    "ndjson: one JSON value per line; json: an object or an array of objects."),
        StageOption("auth", type: "{ token }", "Require `Authorization: Bearer <token>` (401 otherwise; never logged)."),
        StageOption("max_body_bytes", type: "size", default: "10MB", "Larger bodies are refused with 413."),
        StageOption("acknowledgements", type: "bool", default: "true",
                    "true: answer 200 only once every sink the events reached has made them durable (503 if a drop_newest buffer dropped any, 500 if a sink failed them). false: answer 200 once the events are queued."),
        StageOption("header_timeout", type: "duration", default: "10s",
                    "A connection whose request head is not complete this long after it connected (or after its previous answer, kept alive) is closed: slow clients cannot hold connections."),
        StageOption("body_timeout", type: "duration", default: "30s", "A request body not received in full within this time is answered 408 and the connection closed."),
        StageOption("max_connections", type: "integer", default: "4096", "Open connections at most; further ones wait in the listen backlog until one closes."),
    ]
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
        ServerLimits(headerTimeout: configuration.header_timeout?.duration ?? ServerLimits.defaultHeaderTimeout,
                     bodyTimeout: configuration.body_timeout?.duration ?? ServerLimits.defaultBodyTimeout,
                     maxConnections: configuration.max_connections ?? ServerLimits.defaultMaxConnections)
    }

    public func run(output: SourceOutput) async throws {
        guard let address = HostPort(configuration.address) else { return }
        let router = Router()
        let handler = IngestHandler(configuration: configuration, context: context, output: output, bodyTimeout: limits.bodyTimeout)
        router.post(RouterPath(configuration.path ?? "/events")) { request, _ -> Response in
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
        // Stop gracefully when the source is stopped: requests in flight are answered first.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: ServerLimits.serverLogger(context.logger)))
        try await withTaskCancellationHandler {
            try await group.run()
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}
