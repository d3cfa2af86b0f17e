/// Turns tokens into checked expression trees and remap statements.
///
/// Expressions are Pratt-parsed with the precedences of ``BinaryOperator``;
/// every function call is checked against ``BuiltinFunction`` (name, argument
/// count, and the types of arguments whose type is known before any event).
struct ExpressionParser {
    /// How deeply expressions and blocks may nest: past it the text is refused (a hostile
    /// `((((...` or `!!!!...` must not exhaust the stack; found by fuzzing).
    static let maximumDepth = 100
    /// How many binary operators one expression (or one remap statement) may hold: a chain
    /// `a || b || ...` makes a tree as deep as the chain is long, which the evaluator walks
    /// recursively (a condition of 50,000 `||` overflowed a task's stack).
    static let maximumOperators = 1_000

    private let tokens: [Token]
    private var index = 0
    private var depth = 0
    /// Binary operators in the current expression or statement.
    private var operators = 0
    /// Whether `del(...)` may be used (remap programs only).
    private let allowsDelete: Bool

    init(_ text: String, allowsDelete: Bool = false) throws(ExpressionSyntaxError) {
        tokens = try Lexer.tokenize(text)
        self.allowsDelete = allowsDelete
    }

    // MARK: - Entry points

    /// Parses text that must be exactly one expression.
    mutating func parseWholeExpression() throws(ExpressionSyntaxError) -> ExpressionNode {
        skipNewlines()
        if current.kind == .end { throw ExpressionSyntaxError(offset: current.offset, "expected an expression") }
        let node = try parseExpression()
        skipNewlines()
        guard current.kind == .end else { throw unexpected("the end of the expression") }
        return node
    }

    /// Parses a remap program: statements separated by newlines or `;`.
    mutating func parseProgram() throws(ExpressionSyntaxError) -> [RemapStatement] {
        let statements = try parseStatements(until: nil)
        guard current.kind == .end else { throw unexpected("a statement") }
        return statements
    }

    // MARK: - Tokens

    private var current: Token { tokens[index] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private mutating func skipNewlines() {
        while current.kind == .newline || current.isSymbol(";") { advance() }
    }

    private mutating func expect(_ symbol: String) throws(ExpressionSyntaxError) {
        guard current.isSymbol(symbol) else { throw unexpected("'\(symbol)'") }
        advance()
    }

    private func unexpected(_ expected: String) -> ExpressionSyntaxError {
        let found: String
        switch current.kind {
        case .end: found = "the end"
        case .newline: found = "a line break"
        case .symbol(let symbol): found = "'\(symbol)'"
        case .identifier(let name): found = "'\(name)'"
        case .string: found = "a string"
        case .integer, .float: found = "a number"
        }
        return ExpressionSyntaxError(offset: current.offset, "expected \(expected), found \(found)")
    }

    // MARK: - Statements

    private mutating func parseStatements(until closing: String?) throws(ExpressionSyntaxError) -> [RemapStatement] {
        var statements: [RemapStatement] = []
        while true {
            skipNewlines()
            if current.kind == .end { return statements }
            if let closing, current.isSymbol(closing) { return statements }
            statements.append(try parseStatement())
            guard current.kind == .newline || current.isSymbol(";") || current.kind == .end
                || (closing.map { current.isSymbol($0) } ?? false)
            else { throw unexpected("a line break or ';' between statements") }
        }
    }

    private mutating func parseBlock() throws(ExpressionSyntaxError) -> [RemapStatement] {
        try enterNested()
        defer { depth -= 1 }
        try expect("{")
        let statements = try parseStatements(until: "}")
        try expect("}")
        return statements
    }

    private mutating func parseStatement() throws(ExpressionSyntaxError) -> RemapStatement {
        let start = current.offset
        operators = 0
        if case .identifier("if") = current.kind {
            advance()
            let condition = try parseExpression()
            try requireMaybeBool(condition, "an if condition")
            let thenBranch = try parseBlock()
            var elseBranch: [RemapStatement] = []
            let beforeElse = index
            skipNewlines()
            if case .identifier("else") = current.kind {
                advance()
                if case .identifier("if") = current.kind {
                    elseBranch = [try parseStatement()]
                } else {
                    elseBranch = try parseBlock()
                }
            } else {
                index = beforeElse
            }
            return RemapStatement(kind: .conditional(condition, then: thenBranch, else: elseBranch), offset: start)
        }
        if case .identifier("abort") = current.kind {
            advance()
            return RemapStatement(kind: .abort, offset: start)
        }
        if current.isSymbol(".") {
            let path = try parsePath()
            if current.isSymbol("=") {
                advance()
                skipNewlines()
                let value = try parseExpression()
                return RemapStatement(kind: .assign(path, value), offset: start)
            }
            throw unexpected("'=' after the path \(path)")
        }
        let expression = try parseExpression()
        guard case .delete = expression.kind else {
            throw ExpressionSyntaxError(offset: start, "an expression on its own does nothing; assign it to a path (.field = ...)")
        }
        return RemapStatement(kind: .evaluate(expression), offset: start)
    }

    // MARK: - Expressions

    /// Counts one level of nesting; call `depth -= 1` when leaving it.
    private mutating func enterNested() throws(ExpressionSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw ExpressionSyntaxError(offset: current.offset, "nested too deeply (more than \(Self.maximumDepth) levels)")
        }
    }

    /// Counts one binary operator of the current expression or statement.
    private mutating func countOperator(at offset: Int) throws(ExpressionSyntaxError) {
        operators += 1
        guard operators <= Self.maximumOperators else {
            throw ExpressionSyntaxError(offset: offset, "more than \(Self.maximumOperators) operators in one expression; "
                + "split it (a route's routes, or `.x in [\"a\", \"b\"]` for many alternatives)")
        }
    }

    private mutating func parseExpression(minimumPrecedence: Int = 0) throws(ExpressionSyntaxError) -> ExpressionNode {
        try enterNested()
        defer { depth -= 1 }
        var left = try parseUnary()
        while true {
            let operatorToken = current
            if operatorToken.isSymbol("=~") {
                guard BinaryOperator.equal.precedence > minimumPrecedence else { return left }
                try countOperator(at: operatorToken.offset)
                advance()
                skipNewlines()
                left = try makeMatch(left, patternToken: current, at: operatorToken.offset)
                advance()
                continue
            }
            guard let op = binaryOperator(operatorToken), op.precedence > minimumPrecedence else { return left }
            try countOperator(at: operatorToken.offset)
            advance()
            skipNewlines()
            let right = try parseExpression(minimumPrecedence: op.precedence)
            left = try makeBinary(op, left, right, at: operatorToken.offset)
        }
    }

    private func binaryOperator(_ token: Token) -> BinaryOperator? {
        switch token.kind {
        case .symbol(let symbol): BinaryOperator(rawValue: symbol)
        case .identifier("in"): .contained
        default: nil
        }
    }

    private mutating func parseUnary() throws(ExpressionSyntaxError) -> ExpressionNode {
        try enterNested()
        defer { depth -= 1 }
        let start = current.offset
        if current.isSymbol("!") {
            advance()
            let operand = try parseUnary()
            try requireMaybeBool(operand, "'!'")
            return ExpressionNode(kind: .not(operand), offset: start, types: .bool)
        }
        if current.isSymbol("-") {
            advance()
            let operand = try parseUnary()
            if case .literal(.int(let value)) = operand.kind { return ExpressionNode(kind: .literal(.int(-value)), offset: start, types: .integer) }
            if case .literal(.double(let value)) = operand.kind { return ExpressionNode(kind: .literal(.double(-value)), offset: start, types: .float) }
            try requireTypes(operand, .number, "'-'")
            return ExpressionNode(kind: .negate(operand), offset: start, types: operand.types.intersection(.number))
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionSyntaxError) -> ExpressionNode {
        let token = current
        switch token.kind {
        case .integer(let value):
            advance()
            return ExpressionNode(kind: .literal(.int(value)), offset: token.offset, types: .integer)
        case .float(let value):
            advance()
            return ExpressionNode(kind: .literal(.double(value)), offset: token.offset, types: .float)
        case .string(let value):
            advance()
            return ExpressionNode(kind: .literal(.string(value)), offset: token.offset, types: .string)
        case .identifier("true"), .identifier("false"):
            advance()
            return ExpressionNode(kind: .literal(.bool(token.kind == .identifier("true"))), offset: token.offset, types: .bool)
        case .identifier("null"):
            advance()
            return ExpressionNode(kind: .literal(.null), offset: token.offset, types: .null)
        case .identifier(let name):
            advance()
            guard current.isSymbol("(") else {
                throw ExpressionSyntaxError(offset: token.offset, "unknown name '\(name)'; paths start with '.', strings are quoted")
            }
            return try parseCall(name, at: token.offset)
        case .symbol("."):
            let path = try parsePath()
            return ExpressionNode(kind: .path(path), offset: token.offset, types: .any)
        case .symbol("("):
            advance()
            skipNewlines()
            let inner = try parseExpression()
            skipNewlines()
            try expect(")")
            return inner
        case .symbol("["):
            advance()
            var elements: [ExpressionNode] = []
            skipNewlines()
            while !current.isSymbol("]") {
                elements.append(try parseExpression())
                skipNewlines()
                if current.isSymbol(",") { advance(); skipNewlines() } else if !current.isSymbol("]") { throw unexpected("',' or ']'") }
            }
            advance()
            return ExpressionNode(kind: .array(elements), offset: token.offset, types: .array)
        case .symbol("{"):
            advance()
            var members: [(key: String, value: ExpressionNode)] = []
            skipNewlines()
            while !current.isSymbol("}") {
                guard case .string(let key) = current.kind else { throw unexpected("a quoted key") }
                advance()
                try expect(":")
                skipNewlines()
                members.append((key: key, value: try parseExpression()))
                skipNewlines()
                if current.isSymbol(",") { advance(); skipNewlines() } else if !current.isSymbol("}") { throw unexpected("',' or '}'") }
            }
            advance()
            return ExpressionNode(kind: .object(members), offset: token.offset, types: .object)
        default:
            throw unexpected("a value, a path or a function call")
        }
    }

    /// `.`, `.a.b`, `.a[0]`, `."quoted key"`, `.a[-1].b`.
    private mutating func parsePath() throws(ExpressionSyntaxError) -> Path {
        var segments: [Path.Segment] = []
        let start = current.offset
        try expect(".")
        var expectsName = true
        while true {
            let adjacent = current.offset == tokens[index - 1].end
            if expectsName, adjacent {
                switch current.kind {
                case .identifier(let name): segments.append(.field(name)); advance(); expectsName = false; continue
                case .string(let name): segments.append(.field(name)); advance(); expectsName = false; continue
                case .integer(let number): segments.append(.field(String(number))); advance(); expectsName = false; continue
                default: break
                }
                if segments.isEmpty, !current.isSymbol("[") { return Path([]) }
            }
            guard adjacent else { break }
            if current.isSymbol("[") {
                advance()
                var negative = false
                if current.isSymbol("-") { negative = true; advance() }
                guard case .integer(let number) = current.kind else { throw unexpected("an array index") }
                advance()
                try expect("]")
                segments.append(.index(Int(negative ? -number : number)))
                expectsName = false
            } else if current.isSymbol("."), !expectsName {
                advance()
                expectsName = true
            } else {
                break
            }
        }
        if expectsName, !segments.isEmpty { throw ExpressionSyntaxError(offset: start, "a path cannot end with '.'") }
        return Path.interned(segments)
    }

    private mutating func parseCall(_ name: String, at offset: Int) throws(ExpressionSyntaxError) -> ExpressionNode {
        try expect("(")
        skipNewlines()
        if name == "exists" || name == "del" {
            guard current.isSymbol(".") else {
                throw ExpressionSyntaxError(offset: current.offset, "\(name) takes a path, such as \(name)(.data.entity_id)")
            }
            let path = try parsePath()
            skipNewlines()
            try expect(")")
            if name == "exists" { return ExpressionNode(kind: .exists(path), offset: offset, types: .bool) }
            guard allowsDelete else { throw ExpressionSyntaxError(offset: offset, "del() changes the event; it is only available in remap programs") }
            return ExpressionNode(kind: .delete(path), offset: offset, types: .any)
        }
        var arguments: [ExpressionNode] = []
        while !current.isSymbol(")") {
            if name == "matches", arguments.count == 1 {
                let node = try makeMatch(arguments[0], patternToken: current, at: offset)
                advance()
                skipNewlines()
                guard current.isSymbol(")") else { throw unexpected("')': matches takes 2 arguments") }
                advance()
                return node
            }
            arguments.append(try parseExpression())
            skipNewlines()
            if current.isSymbol(",") { advance(); skipNewlines() } else if !current.isSymbol(")") { throw unexpected("',' or ')'") }
        }
        advance()
        if name == "matches" { throw ExpressionSyntaxError(offset: offset, "matches takes 2 arguments (a string and a pattern), got \(arguments.count)") }
        guard let function = BuiltinFunction.all[name] else {
            var message = "unknown function '\(name)'"
            if let suggestion = Suggestion.closest(to: name, in: Array(BuiltinFunction.all.keys) + BuiltinFunction.specialNames) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw ExpressionSyntaxError(offset: offset, message)
        }
        guard (function.required...function.parameters.count).contains(arguments.count) else {
            throw ExpressionSyntaxError(offset: offset, "\(name) takes \(function.arityText) argument\(function.parameters.count == 1 ? "" : "s"), got \(arguments.count)")
        }
        for (argument, accepted) in zip(arguments, function.parameters) {
            try requireTypes(argument, accepted, "argument of \(name)")
        }
        if let affix = Affix(rawValue: name), case .literal(.string(let literal)) = arguments[1].kind {
            return ExpressionNode(kind: .affix(affix, arguments[0], Array(literal.utf8)), offset: offset, types: function.returns)
        }
        return ExpressionNode(kind: .call(function, arguments), offset: offset, types: function.returns)
    }

    private func makeMatch(_ subject: ExpressionNode, patternToken: Token, at offset: Int) throws(ExpressionSyntaxError) -> ExpressionNode {
        guard case .string(let source) = patternToken.kind else {
            throw ExpressionSyntaxError(offset: patternToken.offset, "a regular expression must be a quoted string written in the expression")
        }
        try requireTypes(subject, [.string, .null], "the subject of a regex match")
        do {
            return ExpressionNode(kind: .match(subject, try CompiledPattern(source)), offset: offset, types: .bool)
        } catch {
            throw ExpressionSyntaxError(offset: patternToken.offset, "invalid regular expression \"\(source)\"")
        }
    }

    private func makeBinary(_ op: BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                            at offset: Int) throws(ExpressionSyntaxError) -> ExpressionNode {
        let types: ValueTypes
        switch op {
        case .and, .or:
            try requireMaybeBool(left, "'\(op.rawValue)'")
            try requireMaybeBool(right, "'\(op.rawValue)'")
            types = .bool
        case .equal, .notEqual, .contained: types = .bool
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            try requireTypes(left, [.number, .string], "'\(op.rawValue)'")
            try requireTypes(right, [.number, .string], "'\(op.rawValue)'")
            types = .bool
        case .coalesce: types = left.types.subtracting(.null).union(right.types)
        case .add:
            try requireTypes(left, [.number, .string], "'+'")
            try requireTypes(right, [.number, .string], "'+'")
            types = left.types.union(right.types).intersection([.number, .string])
        case .subtract, .multiply, .divide, .remainder:
            try requireTypes(left, .number, "'\(op.rawValue)'")
            try requireTypes(right, .number, "'\(op.rawValue)'")
            types = op == .divide ? .float : .number
        }
        return ExpressionNode(kind: .binary(op, left, right), offset: offset, types: types)
    }

    private func requireTypes(_ node: ExpressionNode, _ accepted: ValueTypes, _ what: String) throws(ExpressionSyntaxError) {
        guard node.types.isDisjoint(with: accepted) else { return }
        throw ExpressionSyntaxError(offset: node.offset, "\(what) needs \(accepted), but this is always \(node.types)")
    }

    private func requireMaybeBool(_ node: ExpressionNode, _ what: String) throws(ExpressionSyntaxError) {
        try requireTypes(node, .bool, what)
    }
}
