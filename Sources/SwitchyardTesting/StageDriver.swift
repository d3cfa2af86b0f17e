import SwitchyardKit

/// Runs one source or sink in a test, with options as JSON and no YAML to write: the stage is
/// placed in a small pipeline with the testing stages, so it meets real buffers, backpressure
/// and acknowledgements.
public enum StageDriver {
    /// What a sink did with the events it was given.
    public struct SinkRun: Sendable {
        /// The sink's counters.
        public let metrics: StageMetrics
        /// How each batch's delivery ended (`delivered` once the sink acknowledged it).
        public let outcomes: [DeliveryOutcome]
    }

    /// Sends `events` (in batches of `batchSize`) to sink `S` made from `options`; returns once
    /// the pipeline drained.
    public static func runSink<S: Sink>(_ type: S.Type, options: JSONValue = [:], events: [JSONValue],
                                        batchSize: Int = 100, registry: StageRegistry = StageRegistry()) async throws -> SinkRun {
        var registry = registry
        if registry.type(S.typeName, kind: .sink) == nil { registry.register(type) }
        let harness = PipelineHarness(registry: registry)
        let source: JSONValue = ["type": "memory", "events": .array(events), "batch_size": .int(Int64(batchSize)),
                                 "acknowledgements": "under_test"]
        let metrics = try await harness.run("""
            sources:
              events: \(JSONWriter.string(source))
            sinks:
              under_test: \(JSONWriter.string(stage(S.typeName, options, inputs: ["events"])))
            """)
        return SinkRun(metrics: metrics["under_test"]!, outcomes: harness.acknowledgements.outcomes("under_test"))
    }

    /// Runs source `S` made from `options` and returns the events it emitted: all of them when it
    /// ends by itself, or the first `limit` (it is then stopped, and drains) within `timeout`.
    public static func collect<S: Source>(_ type: S.Type, options: JSONValue = [:], limit: Int? = nil,
                                          timeout: Duration = .seconds(30),
                                          registry: StageRegistry = StageRegistry()) async throws -> [Event] {
        var registry = registry
        if registry.type(S.typeName, kind: .source) == nil { registry.register(type) }
        let harness = PipelineHarness(registry: registry)
        let pipeline = try harness.pipeline("""
            sources:
              under_test: \(JSONWriter.string(stage(S.typeName, options, inputs: nil)))
            sinks:
              collected: { type: collect, inputs: [under_test], name: collected }
            """)
        let run = Task { try await pipeline.run() }
        if let limit {
            let deadline = ContinuousClock.now + timeout
            while harness.collector.events("collected").count < limit, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            pipeline.stop()
        }
        try await run.value
        let events = harness.collector.events("collected")
        return limit.map { Array(events.prefix($0)) } ?? events
    }

    /// `{type, inputs?, ...options}`.
    private static func stage(_ typeName: String, _ options: JSONValue, inputs: [String]?) -> JSONValue {
        var object = JSONObject([(key: "type", value: .string(typeName))])
        if let inputs { object["inputs"] = .array(inputs.map { .string($0) }) }
        for member in options.objectValue?.members ?? [] { object[member.key] = member.value }
        return .object(object)
    }
}
