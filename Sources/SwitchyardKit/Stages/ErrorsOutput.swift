/// Where a transform sends an event it could not handle: dropped and counted
/// (`drop_on_error: true`), or to its `<id>.errors` output with the reason attached as
/// `_error: {stage, message}`, for a sink of its own. Both ways go through `context.problems`
/// (counted, logged rate-limited).
public struct ErrorsOutput: Sendable {
    /// The name of the output failed events go to when `drop_on_error` is false.
    public static let name = "errors"
    /// The field the reason is attached under.
    public static let field = "_error"

    private let dropOnError: Bool
    private let context: StageContext

    /// Routing for a stage with this `drop_on_error` setting.
    public init(dropOnError: Bool, context: StageContext) {
        self.dropOnError = dropOnError
        self.context = context
    }

    /// The named outputs a transform with this setting has.
    public static func outputs(dropOnError: Bool) -> [String] { dropOnError ? [] : [name] }

    /// Drops `event` (counted), or emits it on `<id>.errors` with `reason` attached.
    public func fail(_ event: Event, _ reason: String, into output: inout TransformOutput) {
        guard !dropOnError else {
            context.problems.drop(because: reason)
            return
        }
        context.problems.reject("\(reason) (sent to \(context.id).\(Self.name))")
        var failed = event
        failed.value[Self.field] = ["stage": .string(context.id), "message": .string(reason)]
        output.emit(failed, to: Self.name)
    }
}

/// A transform configuration with the `drop_on_error` option.
public protocol DropOnErrorConfiguration {
    /// false: failed events go to `<id>.errors`; true: they are dropped and counted.
    var drop_on_error: Bool { get }
}

extension Transform where Configuration: DropOnErrorConfiguration {
    /// `<id>.errors` exists when `drop_on_error` is false.
    public static func namedOutputs(for configuration: Configuration) -> [String] {
        ErrorsOutput.outputs(dropOnError: configuration.drop_on_error)
    }
}
