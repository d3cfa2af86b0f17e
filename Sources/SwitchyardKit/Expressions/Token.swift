/// One token of the expression language, with its offset in the text.
struct Token: Equatable {
    enum Kind: Equatable {
        case integer(Int64)
        case float(Double)
        case string(String)
        case identifier(String)
        /// Punctuation and operators, as written: `==`, `&&`, `(`, `.`, ...
        case symbol(String)
        case newline
        case end
    }

    var kind: Kind
    /// Offset in unicode scalars.
    var offset: Int
    /// Offset just past the token (set by the lexer).
    var end: Int = 0

    func isSymbol(_ text: String) -> Bool { kind == .symbol(text) }
}
