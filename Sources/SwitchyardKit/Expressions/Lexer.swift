/// Splits expression text into tokens. `#` starts a comment to the end of the line.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private(set) var position = 0

    /// Symbols, longest first so that `==` wins over `=`.
    private static let symbols = [
        "==", "!=", "<=", ">=", "&&", "||", "??", "=~",
        "<", ">", "!", "+", "-", "*", "/", "%", "=", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".",
    ].map { Array($0.unicodeScalars) }

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static func tokenize(_ text: String) throws(ExpressionSyntaxError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            var token = try lexer.next()
            token.end = lexer.position
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    private mutating func next() throws(ExpressionSyntaxError) -> Token {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\r" {
                position += 1
            } else if scalar == "#" {
                while let c = peek(), c != "\n" { position += 1 }
            } else {
                break
            }
        }
        let start = position
        guard let scalar = peek() else { return Token(kind: .end, offset: start) }
        if scalar == "\n" {
            position += 1
            return Token(kind: .newline, offset: start)
        }
        if scalar == "\"" { return Token(kind: .string(try readString()), offset: start) }
        if ("0"..."9").contains(scalar) { return try readNumber() }
        if scalar == "_" || scalar.properties.isAlphabetic {
            var name = ""
            while let c = peek(), c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) {
                name.unicodeScalars.append(c)
                position += 1
            }
            return Token(kind: .identifier(name), offset: start)
        }
        for symbol in Self.symbols where matches(symbol) {
            position += symbol.count
            return Token(kind: .symbol(String(String.UnicodeScalarView(symbol))), offset: start)
        }
        throw ExpressionSyntaxError(offset: start, "unexpected character '\(scalar)'")
    }

    private func matches(_ symbol: [Unicode.Scalar]) -> Bool {
        for (index, scalar) in symbol.enumerated() where peek(index) != scalar { return false }
        return true
    }

    private mutating func readNumber() throws(ExpressionSyntaxError) -> Token {
        let start = position
        var text = ""
        var isFloat = false
        while let c = peek(), ("0"..."9").contains(c) || c == "_" {
            if c != "_" { text.unicodeScalars.append(c) }
            position += 1
        }
        if peek() == ".", let after = peek(1), ("0"..."9").contains(after) {
            isFloat = true
            text += "."
            position += 1
            while let c = peek(), ("0"..."9").contains(c) {
                text.unicodeScalars.append(c)
                position += 1
            }
        }
        if let e = peek(), e == "e" || e == "E" {
            isFloat = true
            text += "e"
            position += 1
            if let sign = peek(), sign == "+" || sign == "-" {
                text.unicodeScalars.append(sign)
                position += 1
            }
            while let c = peek(), ("0"..."9").contains(c) {
                text.unicodeScalars.append(c)
                position += 1
            }
        }
        if isFloat {
            guard let value = Double(text), value.isFinite else { throw ExpressionSyntaxError(offset: start, "invalid number") }
            return Token(kind: .float(value), offset: start)
        }
        guard let value = Int64(text) else { throw ExpressionSyntaxError(offset: start, "integer too large") }
        return Token(kind: .integer(value), offset: start)
    }

    /// Reads a double-quoted string with JSON-style escapes (`\"`, `\\`, `\n`, `\t`, `\r`, `\u{…}`, `\uXXXX`).
    private mutating func readString() throws(ExpressionSyntaxError) -> String {
        let open = position
        position += 1
        var result = ""
        while let c = peek() {
            position += 1
            switch c {
            case "\"": return result
            case "\\":
                guard let escape = peek() else { break }
                position += 1
                switch escape {
                case "\"": result += "\""
                case "\\": result += "\\"
                case "/": result += "/"
                case "n": result += "\n"
                case "t": result += "\t"
                case "r": result += "\r"
                case "0": result += "\0"
                case "u":
                    var hex = ""
                    let braced = peek() == "{"
                    if braced { position += 1 }
                    while let h = peek(), h.properties.isASCIIHexDigit, hex.count < (braced ? 6 : 4) {
                        hex.unicodeScalars.append(h)
                        position += 1
                    }
                    if braced {
                        guard peek() == "}" else { throw ExpressionSyntaxError(offset: position, "expected '}' in \\u{...}") }
                        position += 1
                    }
                    guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw ExpressionSyntaxError(offset: position - 1, "invalid \\u escape")
                    }
                    result.unicodeScalars.append(scalar)
                // Regex escapes such as \d or \. pass through unchanged, so patterns read naturally.
                default:
                    result += "\\"
                    result.unicodeScalars.append(escape)
                }
            default:
                result.unicodeScalars.append(c)
            }
        }
        throw ExpressionSyntaxError(offset: open, "unterminated string")
    }
}
