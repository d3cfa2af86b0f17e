/// What `/health`, `/ready` and `/metrics` show, built from a running pipeline.
public struct HealthReport: Sendable {
    /// The overall verdict.
    public enum Status: String, Sendable {
        /// Everything runs and every source is connected.
        case healthy
        /// Running, but a source is not connected (reconnecting), or events were dropped.
        case degraded
        /// A stage failed.
        case unhealthy
    }

    /// The overall verdict.
    public var status: Status
    /// Seconds since the pipeline started.
    public var uptimeSeconds: Double
    /// Per stage: counters and stage-specific details.
    public var stages: [(id: String, details: JSONObject)]
    /// Whether every source is connected (or has nothing to connect).
    public var ready: Bool
    /// The samples of `/metrics`: the runtime's counters and what stages report.
    public var samples: [MetricSample]

    /// The `/health` body.
    public var json: JSONValue {
        var stagesObject = JSONObject()
        for stage in stages { stagesObject[stage.id] = .object(stage.details) }
        return [
            "status": .string(status.rawValue),
            "uptime_seconds": .double((uptimeSeconds * 1000).rounded() / 1000),
            "stages": .object(stagesObject),
        ]
    }

    /// The `/metrics` body, Prometheus text format 0.0.4.
    public var prometheusText: String {
        var text = ""
        var described: Set<String> = []
        for sample in samples {
            let name = "switchyard_" + sample.name
            if described.insert(name).inserted {
                text += "# HELP \(name) \(sample.help)\n# TYPE \(name) \(sample.kind.rawValue)\n"
            }
            let labels = sample.labels.sorted { $0.key < $1.key }
                .map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",")
            let value = sample.value == sample.value.rounded() && abs(sample.value) < 1e15
                ? String(Int64(sample.value)) : String(sample.value)
            text += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
        }
        return text
    }

    private static func escape(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }
}
