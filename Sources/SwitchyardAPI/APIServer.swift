import Hummingbird
import Logging
import Prometheus
import Synchronization
import SwitchyardKit

/// The HTTP API of a running pipeline: `GET /health`, `GET /ready`, `GET /metrics`, `GET /tap`.
///
/// Off unless the pipeline has an `api:` section; meant for loopback.
public final class APIServer: Sendable {
    let pipeline: Pipeline
    let configuration: APIConfiguration
    let logger: Logger
    let registry: PrometheusCollectorRegistry?
    private let server = Mutex<GracefulServer?>(nil)
    private let stopRequested = Mutex(false)

    /// Serves `pipeline`'s API where `configuration` says. With `registry` (the process's
    /// swift-metrics backend), `/metrics` is what the registry holds (stage counters, stages'
    /// own metrics) plus the stages' polled gauges; without, the pipeline's counters alone.
    public init(pipeline: Pipeline, configuration: APIConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil) {
        self.registry = registry
        self.pipeline = pipeline
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until the task is cancelled, then shuts down gracefully. `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        let (pipeline, registry) = (self.pipeline, self.registry)
        router.get("/health") { _, _ -> Response in
            let report = pipeline.healthReport()
            return Self.json(report.json, status: report.status == .unhealthy ? .serviceUnavailable : .ok)
        }
        router.get("/ready") { _, _ -> Response in
            let report = pipeline.healthReport()
            return Self.json(["ready": .bool(report.ready)], status: report.ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            let report = pipeline.healthReport()
            let text: String
            if let registry {
                text = registry.emitToString() + report.prometheusText(excluding: Set(StageMetrics.exportedNames))
            } else {
                text = report.prometheusText
            }
            let redacted = SecretRedactor.shared.redact(text)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: redacted)))
        }
        let tap = TapEndpoint(pipeline: pipeline)
        router.get("/tap") { request, _ -> Response in tap.respond(to: request) }
        router.head("/health") { _, _ -> Response in
            let report = pipeline.healthReport()
            return Response(status: report.status == .unhealthy ? .serviceUnavailable : .ok, headers: [.contentType: "application/json"])
        }
        let limits = ServerLimits(maxConnections: 256)
        let app = Application(
            router: router,
            server: limits.server,
            configuration: limits.configuration(host: configuration.host, port: configuration.port, logger: logger),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: ServerLimits.serverLogger(logger)
        )
        let server = GracefulServer(app, stopGrace: Self.stopGrace, logger: ServerLimits.serverLogger(logger))
        self.server.withLock { $0 = server }
        if stopRequested.withLock({ $0 }) { return }
        try await server.run()
    }

    /// Stops serving gracefully (in-flight requests finish); `run` then returns.
    public func shutdown() async {
        stopRequested.withLock { $0 = true }
        await server.withLock({ $0 })?.shutDown()
    }

    /// How long a stop waits for requests in flight (a `/tap` stream, say) before cancelling them.
    static let stopGrace = Duration.seconds(1)

    /// A JSON answer; values from `${VAR}` (in a stage's last error, say) are redacted.
    private static func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        bytes = Array(SecretRedactor.shared.redact(String(decoding: bytes, as: UTF8.self)).utf8)
        bytes.append(0x0A)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
