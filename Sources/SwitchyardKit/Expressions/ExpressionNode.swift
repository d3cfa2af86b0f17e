/// A parsed, checked expression: what the evaluator walks. Never re-parsed.
struct ExpressionNode: Sendable {
    indirect enum Kind: Sendable {
        case literal(JSONValue)
        case path(Path)
        case array([ExpressionNode])
        case object([(key: String, value: ExpressionNode)])
        case not(ExpressionNode)
        case negate(ExpressionNode)
        case binary(BinaryOperator, ExpressionNode, ExpressionNode)
        /// `left =~ "pattern"`, or `matches(left, "pattern")`: the pattern compiled at load time.
        case match(ExpressionNode, CompiledPattern)
        case exists(Path)
        case call(BuiltinFunction, [ExpressionNode])
        /// `starts_with(x, "literal")` or `ends_with(x, "literal")`: the most common conditions,
        /// evaluated without an argument array (same results and errors as the call).
        case affix(Affix, ExpressionNode, [UInt8])
        /// `del(.path)`: removes and returns the value (remap programs only).
        case delete(Path)
    }

    var kind: Kind
    /// Where the node starts in the expression text, for messages.
    var offset: Int
    /// What the node can produce, as far as is known before seeing an event.
    var types: ValueTypes
}

/// Which end of a string ``ExpressionNode/Kind/affix(_:_:_:)`` tests.
enum Affix: String, Sendable {
    case prefix = "starts_with"
    case suffix = "ends_with"

    /// Whether `text` starts (or ends) with `affix`, by UTF-8 bytes.
    func test(_ text: String, _ affix: [UInt8]) -> Bool {
        affix.withUnsafeBufferPointer { test(text, $0) }
    }

    /// Whether `text` starts (or ends) with `affix`, by UTF-8 bytes.
    func test(_ text: String, _ affix: UnsafeBufferPointer<UInt8>) -> Bool {
        var text = text  // a native string's bytes are read in place
        return text.withUTF8 { test($0, affix) }
    }

    /// Whether `bytes` start (or end) with `affix`.
    func test(_ bytes: UnsafeBufferPointer<UInt8>, _ affix: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= affix.count else { return false }
        let start = self == .prefix ? 0 : bytes.count - affix.count
        for index in affix.indices where bytes[start + index] != affix[index] { return false }
        return true
    }
}

/// The binary operators, by precedence.
enum BinaryOperator: String, Sendable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case contained = "in"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case coalesce = "??"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    /// Higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .equal, .notEqual, .contained: 3
        case .less, .lessOrEqual, .greater, .greaterOrEqual: 4
        case .coalesce: 5
        case .add, .subtract: 6
        case .multiply, .divide, .remainder: 7
        }
    }
}
