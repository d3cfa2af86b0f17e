/// The value semantics of the expression language: equality, ordering, arithmetic, conversions.
enum ValueOperations {
    static func fail(_ message: String) -> EvaluationError { EvaluationError(offset: 0, message) }

    /// The longest string (in UTF-8 bytes) that `+`, `replace` and `join` may build. Each
    /// multiplies what it is given (`replace(.x, "a", .x)` on a 1 MB field is a terabyte), so
    /// past this the evaluation fails and the event is refused and counted, like any
    /// evaluation error, instead of the process running out of memory.
    static let maxBuiltStringBytes = 64 << 20

    /// Fails unless a string of `bytes` may be built by `operation`.
    static func checkBuiltString(_ bytes: Int, _ operation: String) throws(EvaluationError) {
        guard bytes <= maxBuiltStringBytes else {
            throw fail("\(operation) would build a string of \(bytes) bytes; the most is \(maxBuiltStringBytes) (64 MiB)")
        }
    }

    /// A number as Double, when the value is one.
    static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let integer): Double(integer)
        case .double(let double): double
        case .number(let text): Double(text)
        default: nil
        }
    }

    /// Equality where 1 == 1.0, recursively.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.members.allSatisfy { member in b[member.key].map { equal(member.value, $0) } ?? false }
        default:
            if let a = double(lhs), let b = double(rhs) { return a == b }
            return lhs == rhs
        }
    }

    /// Orders numbers with numbers and strings with strings; anything else is an error.
    static func compare(_ lhs: JSONValue, _ rhs: JSONValue) throws(EvaluationError) -> Int {
        if case .int(let a) = lhs, case .int(let b) = rhs { return a < b ? -1 : (a == b ? 0 : 1) }
        if let a = double(lhs), let b = double(rhs) { return a < b ? -1 : (a == b ? 0 : 1) }
        if case .string(let a) = lhs, case .string(let b) = rhs { return a < b ? -1 : (a == b ? 0 : 1) }
        throw fail("cannot compare \(lhs.typeName) with \(rhs.typeName)")
    }

    static func arithmetic(_ op: BinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue) throws(EvaluationError) -> JSONValue {
        if op == .add, case .string(let a) = lhs, case .string(let b) = rhs {
            try checkBuiltString(a.utf8.count + b.utf8.count, "+")
            return .string(a + b)
        }
        if case .int(let a) = lhs, case .int(let b) = rhs, op != .divide {
            let (result, overflow): (Int64, Bool)
            switch op {
            case .add: (result, overflow) = a.addingReportingOverflow(b)
            case .subtract: (result, overflow) = a.subtractingReportingOverflow(b)
            case .multiply: (result, overflow) = a.multipliedReportingOverflow(by: b)
            case .remainder:
                guard b != 0 else { throw fail("remainder by zero") }
                (result, overflow) = a.remainderReportingOverflow(dividingBy: b)
            default: throw fail("not an arithmetic operator")
            }
            if overflow { throw fail("integer overflow in \(op.rawValue)") }
            return .int(result)
        }
        guard let a = double(lhs), let b = double(rhs) else {
            throw fail("cannot apply \(op.rawValue) to \(lhs.typeName) and \(rhs.typeName)")
        }
        let result: Double
        switch op {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        case .divide:
            guard b != 0 else { throw fail("division by zero") }
            result = a / b
        case .remainder:
            guard b != 0 else { throw fail("remainder by zero") }
            result = a.truncatingRemainder(dividingBy: b)
        default: throw fail("not an arithmetic operator")
        }
        guard result.isFinite else { throw fail("result of \(op.rawValue) is not a finite number") }
        return .double(result)
    }

    /// `left in right`: element of an array, key of an object, or substring of a string.
    static func contains(_ container: JSONValue, _ element: JSONValue) throws(EvaluationError) -> Bool {
        switch container {
        case .array(let elements): return elements.contains { equal($0, element) }
        case .object(let object):
            guard case .string(let key) = element else { throw fail("`in` an object needs a string key, found \(element.typeName)") }
            return object[key] != nil
        case .string(let text):
            guard case .string(let part) = element else { throw fail("`in` a string needs a string, found \(element.typeName)") }
            return text.contains(part)
        default:
            throw fail("`in` needs an array, object or string on its right, found \(container.typeName)")
        }
    }

    /// Text for a value: strings as they are, everything else as compact JSON.
    static func text(_ value: JSONValue) -> String {
        if case .string(let string) = value { return string }
        return JSONWriter.string(value)
    }

    /// Reads a number from a string (JSON number syntax, surrounding spaces allowed).
    static func number(from text: String) -> JSONValue? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, let value = try? JSONParser().parse(trimmed) else { return nil }
        switch value {
        case .int, .double: return value
        default: return nil
        }
    }

    static func requireBool(_ value: JSONValue, _ what: String) throws(EvaluationError) -> Bool {
        guard case .bool(let flag) = value else { throw fail("\(what) needs a boolean, found \(value.typeName)") }
        return flag
    }
}

extension String {
    /// The string without leading and trailing white space.
    var trimmingSpaces: String {
        // The usual case, nothing to trim: bytes 0x21-0x7F are never white space.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x80).contains(first), (0x21..<0x80).contains(last) {
            return self
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
