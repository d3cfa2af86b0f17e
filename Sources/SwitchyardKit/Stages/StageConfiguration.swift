/// The options of a stage type, decoded strictly from the stage's YAML mapping.
///
/// A conforming type is a `struct` whose stored properties are all ``Option``s, with
/// `init() {}`; decoding is synthesized and keys no option declares are reported as unknown.
/// Checks that involve several options go in ``problems()``.
public protocol StageConfiguration: OptionGroup {
    /// Problems that decoding alone cannot see (e.g. two options that exclude each other).
    func problems() -> [OptionProblem]
}

extension StageConfiguration {
    /// No problems beyond what decoding checks.
    public func problems() -> [OptionProblem] { [] }
}

/// A problem with one option, reported at that option's position.
public struct OptionProblem: Sendable, Hashable {
    /// The option's key (`nil`: the stage as a whole).
    public var option: String?
    /// What is wrong with the option.
    public var message: String

    /// A problem with `option` (nil: the stage as a whole).
    public init(option: String?, _ message: String) {
        self.option = option
        self.message = message
    }
}
