/// A stage that reports its own health beyond the runtime's counters (a connection's state, say).
///
/// The runtime finds it by checking whether a made stage conforms; `/health`,
/// `/ready` and `/metrics` show what it reports.
public protocol HealthReporting: Sendable {
    /// Stage-specific figures for `/health` (merged into the stage's object).
    func healthDetails() -> JSONObject
    /// nil: nothing to connect; true: connected and ready; false: not (yet).
    var isReady: Bool? { get }
    /// Extra Prometheus samples for `/metrics`.
    func metricSamples() -> [MetricSample]
}

/// One Prometheus sample: `switchyard_<name>{stage="<id>",labels...} value`.
public struct MetricSample: Sendable {
    /// Whether the sample only grows (counter) or goes up and down (gauge).
    public enum Kind: String, Sendable {
        case counter
        case gauge
    }

    /// The metric's name after `switchyard_`.
    public var name: String
    /// Counter or gauge.
    public var kind: Kind
    /// The `# HELP` text.
    public var help: String
    /// Labels besides `stage`.
    public var labels: [String: String]
    /// The value.
    public var value: Double

    /// A sample named `switchyard_<name>`.
    public init(_ name: String, _ kind: Kind, help: String, labels: [String: String] = [:], value: Double) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
        self.value = value
    }
}
