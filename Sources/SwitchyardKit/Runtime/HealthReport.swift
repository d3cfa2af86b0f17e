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

    /// The `/metrics` body, Prometheus text format 0.0.4: each metric's samples together, under
    /// one HELP and TYPE (the format requires it; parsers otherwise see several families).
    public var prometheusText: String { prometheusText(excluding: []) }

    /// The samples in Prometheus text format, without the metrics named in `excluded` (full
    /// names, `switchyard_…`): those a metrics backend already reports.
    public func prometheusText(excluding excluded: Set<String>) -> String {
        var order: [String] = []
        var families: [String: [MetricSample]] = [:]
        for sample in samples where !excluded.contains("switchyard_" + sample.name) {
            if families[sample.name] == nil { order.append(sample.name) }
            families[sample.name, default: []].append(sample)
        }
        var text = ""
        for family in order {
            let members = families[family]!
            let name = "switchyard_" + family
            text += "# HELP \(name) \(members[0].help)\n# TYPE \(name) \(members[0].kind.rawValue)\n"
            for sample in members { text += Self.line(name, sample) }
        }
        return text
    }

    /// One sample line: `name{label="value",...} number`.
    private static func line(_ name: String, _ sample: MetricSample) -> String {
        let labels = sample.labels.sorted { $0.key < $1.key }
            .map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",")
        let value = sample.value == sample.value.rounded() && abs(sample.value) < 1e15
            ? String(Int64(sample.value)) : String(sample.value)
        return labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
    }

    private static func escape(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }
}
