/// A problem in an expression's text, found when it is parsed and checked (at load time).
public struct ExpressionSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offset, in unicode scalars, of the offending character in the expression text.
    public var offset: Int
    /// What is wrong with the text.
    public var message: String

    /// A syntax error at character `offset` of the text.
    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "column \(offset + 1): \(message)" }
}

/// A problem met while evaluating an expression on an event (e.g. `to_number("abc")`).
public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offset of the failing part in the expression text.
    public var offset: Int
    /// What went wrong.
    public var message: String
    /// Where the failing part is in the pipeline file, when the expression came from one.
    public var location: SourceLocation?

    /// An evaluation error at character `offset` of the expression.
    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String {
        location.map { "\(message) (at \($0))" } ?? "\(message) (at column \(offset + 1))"
    }

    /// This error with its place in the file of `origin`, the configuration value the expression
    /// was read from (unchanged when there is none, or it already has a place).
    func located(in origin: ConfigNode?) -> EvaluationError {
        guard location == nil, let origin else { return self }
        var located = self
        located.location = origin.location(ofTextOffset: offset)
        return located
    }
}
