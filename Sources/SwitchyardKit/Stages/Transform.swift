/// A stage that turns each batch into zero or more events on one or more outputs.
///
/// A filter is a transform that keeps or drops. Transforms run synchronously
/// per batch in their own task; `process` may keep state (it is `mutating`).
public protocol Transform: StageType {
    /// Names of the outputs besides the default one (`<id>.<name>` in `inputs`).
    static func namedOutputs(for configuration: Configuration) -> [String]

    /// Handles one batch, emitting results into `output`. Most transforms are synchronous (a
    /// plain `func` satisfies this); one that talks to another process may suspend.
    ///
    /// The batch is handed over (`consuming`): a transform that declares its parameter
    /// `consuming` too owns the events outright, and can change an event's bytes in place
    /// (see ``Event``). A plain parameter works as well.
    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) async throws

    /// Called once after the last batch, to emit anything held back (and release resources).
    mutating func finish(into output: inout TransformOutput) async throws
}

extension Transform {
    /// No named outputs.
    public static func namedOutputs(for configuration: Configuration) -> [String] { [] }
    /// Nothing held back.
    public mutating func finish(into output: inout TransformOutput) throws {}
}

/// Where a transform puts its results for one batch.
public struct TransformOutput: Sendable {
    /// Events for the default output.
    public var events: [Event] = []
    /// Events for named outputs.
    public var named: [String: [Event]] = [:]
    /// Events the transform's configuration removed on purpose (counted as `discarded`).
    /// Events lost to errors go to `context.problems.drop(because:)` instead.
    public var discarded = 0

    public init() {}

    /// Emits `event` on the default output.
    public mutating func emit(_ event: Event) { events.append(event) }

    /// Emits `event` on the named output `name`.
    public mutating func emit(_ event: Event, to name: String) { named[name, default: []].append(event) }
}
