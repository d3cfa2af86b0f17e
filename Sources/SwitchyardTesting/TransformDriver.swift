import Logging
import SwitchyardKit

/// Drives one transform in a test without a pipeline or YAML: options as JSON, batches in,
/// what it emitted out.
///
/// ```swift
/// var driver = try TransformDriver(GeoIPTransform.self, options: ["table": "countries.csv"])
/// let output = try await driver.process([["ip": "10.1.2.3"]])
/// #expect(output.events[0].value["country"] == "ZZ")
/// ```
public struct TransformDriver<T: Transform> {
    /// The context the transform was made with: its metrics, its problems.
    public let context: StageContext
    private var transform: T

    /// Decodes `options` as the loader would (unknown keys, types and `problems()` included) and makes the transform.
    public init(_ type: T.Type, options: JSONValue = [:], id: String = "under_test") throws {
        context = StageContext(id: id, typeName: T.typeName, logger: PipelineHarness.testLogger)
        transform = try T(configuration: T.configuration(options), context: context)
    }

    /// The transform's counters (`errors`, `dropped`, `discarded`...).
    public var metrics: StageMetrics { context.metrics }

    /// Passes `values` as one batch of events; returns what the transform emitted.
    public mutating func process(_ values: [JSONValue]) async throws -> TransformOutput {
        var output = TransformOutput()
        try await transform.process(EventBatch(values.map { Event(value: $0, metadata: EventMetadata(sourceID: "test")) }), into: &output)
        metrics.addDiscarded(output.discarded)
        return output
    }

    /// Ends the input, as at shutdown; returns what the transform emitted then.
    public mutating func finish() async throws -> TransformOutput {
        var output = TransformOutput()
        try await transform.finish(into: &output)
        return output
    }
}
