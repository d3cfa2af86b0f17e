/// The options of a stage type, decoded strictly from the stage's YAML mapping.
///
/// A conforming type is usually a `struct` of optional properties with the
/// synthesized `Decodable`; keys it does not read are reported as unknown.
/// Checks that involve several options go in ``problems()``.
public protocol StageConfiguration: Decodable, Sendable {
    /// Problems that decoding alone cannot see (e.g. two options that exclude each other).
    func problems() -> [OptionProblem]
}

extension StageConfiguration {
    public func problems() -> [OptionProblem] { [] }
}

/// A problem with one option, reported at that option's position.
public struct OptionProblem: Sendable, Hashable {
    /// The option's key (`nil`: the stage as a whole).
    public var option: String?
    public var message: String

    public init(option: String?, _ message: String) {
        self.option = option
        self.message = message
    }
}
