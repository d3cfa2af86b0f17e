import CoreMetrics
import Logging

/// What a stage gets from the runtime: its id, a logger, its counters, where to keep state,
/// and the one place to report events it had to drop (``problems``).
public struct StageContext: Sendable {
    /// The stage's id in the pipeline.
    public let id: String
    /// The stage's type name.
    public let typeName: String
    /// A logger that tags every message with the stage id.
    public let logger: Logger
    /// The stage's counters (events in, out, dropped, errors).
    public let metrics: StageMetrics
    /// Where the stage may keep state across runs (`data_dir` joined with the stage id), if configured.
    public let dataDirectory: String?
    /// Drops and rejected inputs: counted, and logged rate-limited. Use it for every event a
    /// stage loses on purpose or by a per-event error, so that no loss is silent.
    public let problems: DropReporter
    /// What the runner handed to every stage (a test's own stores, for example).
    public let resources: StageResources
    /// Where the stage's own swift-metrics metrics go (see ``counter(_:dimensions:)``).
    public let metricsFactory: any MetricsFactory
    private let stopRequested: @Sendable () -> Bool

    /// Whether the pipeline was asked to stop (a signal): a sink retrying a delivery bounds its
    /// retries from then on, so that shutdown ends. A source that simply ran out is not a stop.
    public var isStopping: Bool { stopRequested() }

    /// Sleeps for `duration`, or less: it ends once the pipeline is stopping (checked every
    /// 100 ms), for a stage that waits out a failure until the stop. Returns how long it slept.
    @discardableResult
    public func pauseUnlessStopping(for duration: Duration) async throws -> Duration {
        var slept = Duration.zero
        while slept < duration, !isStopping {
            let step = min(.milliseconds(100), duration - slept)
            try await Task.sleep(for: step)
            slept += step
        }
        return slept
    }

    /// A context for stage `id` of type `typeName`; the runner makes these.
    public init(id: String, typeName: String, logger: Logger, metrics: StageMetrics = StageMetrics(),
                dataDirectory: String? = nil, resources: StageResources = StageResources(),
                metricsFactory: any MetricsFactory = MetricsSystem.factory,
                stopRequested: @escaping @Sendable () -> Bool = { false }) {
        self.stopRequested = stopRequested
        self.metricsFactory = metricsFactory
        self.id = id
        self.typeName = typeName
        var logger = logger
        logger[metadataKey: "stage"] = "\(id)"
        self.logger = logger
        self.metrics = metrics
        self.dataDirectory = dataDirectory
        self.resources = resources
        self.problems = DropReporter(logger: logger, metrics: metrics)
    }

    /// A swift-metrics counter of the stage's own, labelled with its `stage` id and `type`
    /// besides `dimensions`: with `switchyard run` it appears on `/metrics`. Make it once (in
    /// `init`), increment it per batch or event.
    public func counter(_ name: String, dimensions: [(String, String)] = []) -> Counter {
        Counter(label: name, dimensions: [("stage", id), ("type", typeName)] + dimensions, factory: metricsFactory)
    }
}
