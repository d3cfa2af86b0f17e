/// Walks checked expression trees against an event. Never parses.
enum Evaluator {
    /// Evaluates `node` with `event` as `.`; `del()` (programs only) changes `event`.
    static func evaluate(_ node: ExpressionNode, _ event: inout EvaluationSubject) throws(EvaluationError) -> JSONValue {
        do {
            return try evaluateUnlocated(node, &event)
        } catch {
            // Errors from functions and value operations come without a place: give them this node's.
            throw error.offset == 0 && node.offset != 0 ? EvaluationError(offset: node.offset, error.message) : error
        }
    }

    private static func evaluateUnlocated(_ node: ExpressionNode, _ event: inout EvaluationSubject) throws(EvaluationError) -> JSONValue {
        switch node.kind {
        case .literal(let value):
            return value
        case .path(let path):
            return event.lookup(path) ?? .null
        case .exists(let path):
            return .bool(event.contains(path))
        case .delete(let path):
            var value = event.materialize()
            event = .value(.null)
            let removed = path.remove(from: &value)
            event = .value(value)
            return removed
        case .array(let elements):
            var values: [JSONValue] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(try evaluate(element, &event)) }
            return .array(values)
        case .object(let members):
            var object = JSONObject()
            for member in members { object[member.key] = try evaluate(member.value, &event) }
            return .object(object)
        case .not(let operand):
            return .bool(!(try ValueOperations.requireBool(try evaluate(operand, &event), "'!'")))
        case .negate(let operand):
            return try ValueOperations.arithmetic(.subtract, .int(0), try evaluate(operand, &event))
        case .match(let subject, let pattern):
            return .bool(try matches(pattern, subject, &event))
        case .call(let function, let arguments):
            var values: [JSONValue] = []
            values.reserveCapacity(arguments.count)
            for argument in arguments { values.append(try evaluate(argument, &event)) }
            return try function.body(values)
        case .affix(let affix, let subject, let literal):
            return .bool(try test(affix, literal, of: subject, &event))
        case .binary(let op, let left, let right):
            return try binary(op, left, right, &event)
        }
    }

    /// `node`'s value when it is a boolean, or nil when it is anything else. `&&`, `||`, `!`,
    /// affixes and matches give their flag without building a value; the rest are evaluated.
    /// Results and errors are those of ``evaluate(_:_:)``.
    static func flag(_ node: ExpressionNode, _ event: inout EvaluationSubject) throws(EvaluationError) -> Bool? {
        do {
            return try flagUnlocated(node, &event)
        } catch {
            throw error.offset == 0 && node.offset != 0 ? EvaluationError(offset: node.offset, error.message) : error
        }
    }

    private static func flagUnlocated(_ node: ExpressionNode, _ event: inout EvaluationSubject) throws(EvaluationError) -> Bool? {
        switch node.kind {
        case .binary(.and, let left, let right):
            guard try requireFlag(left, &event, "'&&'") else { return false }
            return try requireFlag(right, &event, "'&&'")
        case .binary(.or, let left, let right):
            if try requireFlag(left, &event, "'||'") { return true }
            return try requireFlag(right, &event, "'||'")
        case .not(let operand):
            return !(try requireFlag(operand, &event, "'!'"))
        case .affix(let affix, let subject, let literal):
            return try test(affix, literal, of: subject, &event)
        case .match(let subject, let pattern):
            return try matches(pattern, subject, &event)
        default:
            guard case .bool(let flag) = try evaluateUnlocated(node, &event) else { return nil }
            return flag
        }
    }

    /// `starts_with(subject, literal)` or `ends_with`: a field of the event's text is compared
    /// where it lies, anything else is evaluated first.
    private static func test(_ affix: Affix, _ literal: [UInt8], of subject: ExpressionNode,
                             _ event: inout EvaluationSubject) throws(EvaluationError) -> Bool {
        if case .path(let path) = subject.kind,
           let result = literal.withUnsafeBufferPointer({ literal in
               event.compareString(at: path, other: nil) { affix.test($0, literal) }
           }) { return result }
        switch try evaluate(subject, &event) {
        case .null: return false
        case .string(let text): return affix.test(text, literal)
        case let other: throw ValueOperations.fail("\(affix.rawValue) needs a string, found \(other.typeName)")
        }
    }

    /// `subject =~ pattern`: null never matches; anything but a string is an error.
    private static func matches(_ pattern: CompiledPattern, _ subject: ExpressionNode,
                                _ event: inout EvaluationSubject) throws(EvaluationError) -> Bool {
        // A field of the event's text is matched where it lies, when the pattern's DFA can read it.
        if case .path(let path) = subject.kind,
           let result = event.compareString(at: path, other: nil, { pattern.matches(utf8: $0) }) {
            return result
        }
        switch try evaluate(subject, &event) {
        case .null: return false
        case .string(let text): return try pattern.matches(text)
        case let other: throw ValueOperations.fail("a regex match needs a string, found \(other.typeName)")
        }
    }

    /// The flag of an operand of `what`; anything but a boolean is an error.
    private static func requireFlag(_ node: ExpressionNode, _ event: inout EvaluationSubject, _ what: String) throws(EvaluationError) -> Bool {
        if let flag = try flag(node, &event) { return flag }
        // Not a boolean: evaluated again (expressions have no side effects) to name its type.
        throw ValueOperations.fail("\(what) needs a boolean, found \(try evaluate(node, &event).typeName)")
    }

    private static func binary(_ op: BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                               _ event: inout EvaluationSubject) throws(EvaluationError) -> JSONValue {
        switch op {
        case .and:
            guard try ValueOperations.requireBool(try evaluate(left, &event), "'&&'") else { return .bool(false) }
            return .bool(try ValueOperations.requireBool(try evaluate(right, &event), "'&&'"))
        case .or:
            if try ValueOperations.requireBool(try evaluate(left, &event), "'||'") { return .bool(true) }
            return .bool(try ValueOperations.requireBool(try evaluate(right, &event), "'||'"))
        case .coalesce:
            // The left side's null *or error* gives the right side: `to_number(.x) ?? 0`.
            if let value = try? evaluate(left, &event), value != .null { return value }
            return try evaluate(right, &event)
        default:
            break
        }
        let lhs = try evaluate(left, &event)
        let rhs = try evaluate(right, &event)
        switch op {
        case .equal: return .bool(ValueOperations.equal(lhs, rhs))
        case .notEqual: return .bool(!ValueOperations.equal(lhs, rhs))
        case .contained: return .bool(try ValueOperations.contains(rhs, lhs))
        case .less: return .bool(try ValueOperations.compare(lhs, rhs) < 0)
        case .lessOrEqual: return .bool(try ValueOperations.compare(lhs, rhs) <= 0)
        case .greater: return .bool(try ValueOperations.compare(lhs, rhs) > 0)
        case .greaterOrEqual: return .bool(try ValueOperations.compare(lhs, rhs) >= 0)
        default: return try ValueOperations.arithmetic(op, lhs, rhs)
        }
    }

    /// The result of running a remap program on an event.
    enum ProgramResult {
        case keep
        case abort
    }

    /// Runs `statements` on `event`.
    static func run(_ statements: [RemapStatement], on event: inout JSONValue) throws(EvaluationError) -> ProgramResult {
        var subject = EvaluationSubject.value(event)
        event = .null
        defer { event = subject.materialize() }
        return try run(statements, on: &subject)
    }

    private static func run(_ statements: [RemapStatement], on event: inout EvaluationSubject) throws(EvaluationError) -> ProgramResult {
        for statement in statements {
            switch statement.kind {
            case .assign(let path, let expression):
                let value = try evaluate(expression, &event)
                var target = event.materialize()
                event = .value(.null)
                defer { event = .value(target) }
                do {
                    try path.set(value, in: &target)
                } catch {
                    throw EvaluationError(offset: statement.offset, error.message)
                }
            case .evaluate(let expression):
                _ = try evaluate(expression, &event)
            case .conditional(let condition, let thenBranch, let elseBranch):
                let chosen = try ValueOperations.requireBool(try evaluate(condition, &event), "an if condition")
                    ? thenBranch : elseBranch
                if case .abort = try run(chosen, on: &event) { return .abort }
            case .abort:
                return .abort
            }
        }
        return .keep
    }
}
