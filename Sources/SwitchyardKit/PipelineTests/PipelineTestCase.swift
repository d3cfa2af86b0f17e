/// One unit test of a pipeline's transforms, from a `tests:` section (like `vector test`).
///
/// ```yaml
/// tests:
///   - name: hot sensors are kept and reshaped
///     inputs:
///       - insert_at: sensors
///         event: { "data": { "entity_id": "sensor.t", "new_state": { "state": "21.5" } } }
///     outputs:
///       - extract_from: shaped
///         conditions: [ '.pipeline == "w2"', 'exists(.timestamp)' ]
///     no_outputs_from: [ errors_sink ]
/// ```
public struct PipelineTestCase: Sendable {
    /// An event put into a stage's input.
    public struct Input: Sendable {
        public var insertAt: String
        public var event: JSONValue
        public var location: SourceLocation
    }

    /// What a stage (or `stage.output`) must have emitted: at least one event, each meeting every condition.
    public struct Output: Sendable {
        public var extractFrom: String
        public var conditions: [Condition]
        public var location: SourceLocation
    }

    public var name: String
    public var inputs: [Input]
    public var outputs: [Output]
    /// Stages (or `stage.output`) that must emit nothing.
    public var noOutputsFrom: [String]
    public var location: SourceLocation
}

/// The `tests:` entries as written, decoded strictly.
struct PipelineTestCaseConfiguration: Decodable {
    struct Input: Decodable {
        var insert_at: String
        var event: JSONValue
    }

    struct Output: Decodable {
        var extract_from: String
        var conditions: [Condition]?
    }

    var name: String
    var inputs: [Input]
    var outputs: [Output]?
    var no_outputs_from: [String]?
}
