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
        /// The stage (`insert_at`) the event is inserted at.
        public var insertAt: String
        /// The event, as written.
        public var event: JSONValue
        /// Where the input is written.
        public var location: SourceLocation
    }

    /// What a stage (or `stage.output`) must have emitted: at least one event, each meeting every condition.
    public struct Output: Sendable {
        /// The stage (`extract_from`) whose output is checked.
        public var extractFrom: String
        /// What must hold of every event it emitted.
        public var conditions: [Condition]
        /// Where the output is written.
        public var location: SourceLocation
    }

    /// The test's name.
    public var name: String
    /// The events inserted.
    public var inputs: [Input]
    /// The expectations on outputs.
    public var outputs: [Output]
    /// Stages (or `stage.output`) that must emit nothing.
    public var noOutputsFrom: [String]
    /// Where the test is written.
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
