import Logging

/// What a stage gets from the runtime: its id, a logger, its counters, and where to keep state.
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
    private let stopRequested: @Sendable () -> Bool

    /// Whether the pipeline was asked to stop (a signal): a sink retrying a delivery bounds its
    /// retries from then on, so that shutdown ends. A source that simply ran out is not a stop.
    public var isStopping: Bool { stopRequested() }

    public init(id: String, typeName: String, logger: Logger, metrics: StageMetrics = StageMetrics(),
                dataDirectory: String? = nil, stopRequested: @escaping @Sendable () -> Bool = { false }) {
        self.stopRequested = stopRequested
        self.id = id
        self.typeName = typeName
        var logger = logger
        logger[metadataKey: "stage"] = "\(id)"
        self.logger = logger
        self.metrics = metrics
        self.dataDirectory = dataDirectory
    }
}
