import Logging
import SwitchyardKit

/// What a transform does with an event whose evaluation failed: drop and count it
/// (`drop_on_error: true`, the default), or send it to the `<id>.errors` output
/// with the error attached as `_error: {stage, message}`.
struct ErrorRouting {
    /// The name of the output failed events go to when `drop_on_error` is false.
    static let outputName = "errors"
    /// The field the error is attached under.
    static let errorField = "_error"

    let sendsToOutput: Bool
    let context: StageContext

    init(dropOnError: Bool, context: StageContext) {
        sendsToOutput = !dropOnError
        self.context = context
    }

    /// The named outputs a transform with this setting has.
    static func outputs(dropOnError: Bool) -> [String] { dropOnError ? [] : [outputName] }

    func handle(_ event: Event, _ error: EvaluationError, into output: inout TransformOutput) {
        guard sendsToOutput else {
            context.problems.drop(because: "evaluation failed: \(error)")
            return
        }
        context.problems.reject("evaluation failed (sent to \(context.id).\(Self.outputName)): \(error)")
        var failed = event
        failed.value[Self.errorField] = ["stage": .string(context.id), "message": .string(error.description)]
        output.emit(failed, to: Self.outputName)
    }
}

/// The `drop_on_error` option's help, shared by the transforms that evaluate expressions.
let dropOnErrorHelp =
    "true: an event whose evaluation fails is dropped and counted. false: it goes to the `<id>.errors` output with `_error: {stage, message}` attached."

/// A transform configuration with the `drop_on_error` option.
public protocol DropOnErrorConfiguration {
    /// false: failed events go to `<id>.errors`; true: they are dropped and counted.
    var drop_on_error: Bool { get }
}

extension Transform where Configuration: DropOnErrorConfiguration {
    /// `<id>.errors` exists when `drop_on_error` is false.
    public static func namedOutputs(for configuration: Configuration) -> [String] {
        ErrorRouting.outputs(dropOnError: configuration.drop_on_error)
    }
}
