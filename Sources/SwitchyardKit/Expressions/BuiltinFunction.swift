/// A function of the expression language: its name, arity, argument and result types, and body.
struct BuiltinFunction: Sendable {
    typealias Body = @Sendable ([JSONValue]) throws(EvaluationError) -> JSONValue

    let name: String
    /// The accepted types of each parameter; parameters past `required` are optional.
    let parameters: [ValueTypes]
    let required: Int
    let returns: ValueTypes
    let body: Body

    init(_ name: String, _ parameters: [ValueTypes], required: Int? = nil, returns: ValueTypes,
         _ body: @escaping Body) {
        self.name = name
        self.parameters = parameters
        self.required = required ?? parameters.count
        self.returns = returns
        self.body = body
    }

    var arityText: String {
        required == parameters.count ? "\(required)" : "\(required) to \(parameters.count)"
    }
}

extension BuiltinFunction {
    private static func fail(_ message: String) -> EvaluationError { EvaluationError(offset: 0, message) }

    private static func string(_ value: JSONValue, _ function: String) throws(EvaluationError) -> String {
        guard case .string(let text) = value else { throw fail("\(function) needs a string, found \(value.typeName)") }
        return text
    }

    /// A string predicate: null (a missing field) gives false rather than an error.
    private static func predicate(_ name: String, _ test: @escaping @Sendable (String, String) -> Bool) -> BuiltinFunction {
        BuiltinFunction(name, [[.string, .null], .string], returns: .bool) { (arguments) throws(EvaluationError) in
            if case .null = arguments[0] { return .bool(false) }
            return .bool(test(try string(arguments[0], name), try string(arguments[1], name)))
        }
    }

    private static func typeTest(_ name: String, _ test: @escaping @Sendable (JSONValue) -> Bool) -> BuiltinFunction {
        BuiltinFunction(name, [.any], returns: .bool) { arguments in .bool(test(arguments[0])) }
    }

    /// Every function, by name. `exists`, `matches` and `del` are handled by the parser (they take a path or a pattern).
    static let all: [String: BuiltinFunction] = {
        var functions: [BuiltinFunction] = [
            typeTest("is_null") { if case .null = $0 { true } else { false } },
            typeTest("is_string") { if case .string = $0 { true } else { false } },
            typeTest("is_number") { ValueOperations.double($0) != nil },
            typeTest("is_bool") { if case .bool = $0 { true } else { false } },
            typeTest("is_array") { if case .array = $0 { true } else { false } },
            typeTest("is_object") { if case .object = $0 { true } else { false } },
            // By UTF-8 bytes (code points), not by characters. With a literal second argument the
            // parser makes these an `affix` node instead of a call.
            predicate("starts_with") { Affix.prefix.test($0, Array($1.utf8)) },
            predicate("ends_with") { Affix.suffix.test($0, Array($1.utf8)) },
            BuiltinFunction("contains", [[.string, .array, .null], .any], returns: .bool) { (arguments) throws(EvaluationError) in
                switch arguments[0] {
                case .null: return .bool(false)
                case .array(let elements): return .bool(elements.contains { ValueOperations.equal($0, arguments[1]) })
                default: return .bool(try string(arguments[0], "contains").contains(try string(arguments[1], "contains")))
                }
            },
            BuiltinFunction("lower", [.string], returns: .string) { (arguments) throws(EvaluationError) in
                .string(try string(arguments[0], "lower").lowercased())
            },
            BuiltinFunction("upper", [.string], returns: .string) { (arguments) throws(EvaluationError) in
                .string(try string(arguments[0], "upper").uppercased())
            },
            BuiltinFunction("trim", [.string], returns: .string) { (arguments) throws(EvaluationError) in
                .string(try string(arguments[0], "trim").trimmingSpaces)
            },
            BuiltinFunction("length", [[.string, .array, .object]], returns: .integer) { (arguments) throws(EvaluationError) in
                switch arguments[0] {
                case .string(let text): return .int(Int64(text.count))
                case .array(let elements): return .int(Int64(elements.count))
                case .object(let object): return .int(Int64(object.count))
                default: throw fail("length needs a string, array or object, found \(arguments[0].typeName)")
                }
            },
            BuiltinFunction("split", [.string, .string], returns: .array) { (arguments) throws(EvaluationError) in
                let text = try string(arguments[0], "split")
                let separator = try string(arguments[1], "split")
                guard !separator.isEmpty else { return .array(text.map { .string(String($0)) }) }
                return .array(text.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
            },
            BuiltinFunction("join", [.array, .string], required: 1, returns: .string) { (arguments) throws(EvaluationError) in
                guard case .array(let elements) = arguments[0] else { throw fail("join needs an array, found \(arguments[0].typeName)") }
                let separator = arguments.count > 1 ? try string(arguments[1], "join") : ""
                var joined = ""
                for (index, element) in elements.enumerated() {
                    let text = ValueOperations.text(element)
                    let added = (index == 0 ? 0 : separator.utf8.count) + text.utf8.count
                    try ValueOperations.checkBuiltString(joined.utf8.count + added, "join")
                    if index > 0 { joined += separator }
                    joined += text
                }
                return .string(joined)
            },
            BuiltinFunction("replace", [.string, .string, .string], returns: .string) { (arguments) throws(EvaluationError) in
                let text = try string(arguments[0], "replace")
                let target = try string(arguments[1], "replace")
                let replacement = try string(arguments[2], "replace")
                guard !target.isEmpty else { throw fail("replace needs a non-empty string to replace") }
                let growth = replacement.utf8.count - target.utf8.count
                if growth > 0, text.utf8.count + text.utf8.count / target.utf8.count * growth > ValueOperations.maxBuiltStringBytes {
                    // Only a bound so far: count the matches for the exact length.
                    try ValueOperations.checkBuiltString(text.utf8.count + text.ranges(of: target).count * growth, "replace")
                }
                return .string(text.replacing(target, with: replacement))
            },
            BuiltinFunction("to_string", [.any], returns: .string) { arguments in .string(ValueOperations.text(arguments[0])) },
            BuiltinFunction("to_number", [[.string, .integer, .float, .bool]], returns: .number) { (arguments) throws(EvaluationError) in
                switch arguments[0] {
                case .int, .double: return arguments[0]
                case .number(let text): return .double(Double(text) ?? .nan)
                case .bool(let flag): return .int(flag ? 1 : 0)
                case .string(let text):
                    guard let number = ValueOperations.number(from: text) else { throw fail("to_number: \"\(text)\" is not a number") }
                    return number
                default: throw fail("to_number: cannot convert \(arguments[0].typeName)")
                }
            },
            BuiltinFunction("to_int", [[.string, .integer, .float, .bool]], returns: .integer) { (arguments) throws(EvaluationError) in
                var value = arguments[0]
                if case .string(let text) = value {
                    guard let number = ValueOperations.number(from: text) else { throw fail("to_int: \"\(text)\" is not a number") }
                    value = number
                }
                switch value {
                case .int: return value
                case .bool(let flag): return .int(flag ? 1 : 0)
                default:
                    guard let double = ValueOperations.double(value), let integer = Int64(exactly: double.rounded(.towardZero)) else {
                        throw fail("to_int: cannot convert \(arguments[0].typeName) to an integer")
                    }
                    return .int(integer)
                }
            },
            BuiltinFunction("to_bool", [[.string, .integer, .float, .bool]], returns: .bool) { (arguments) throws(EvaluationError) in
                switch arguments[0] {
                case .bool: return arguments[0]
                case .string(let text):
                    switch text.trimmingSpaces.lowercased() {
                    case "true", "yes", "on", "1": return .bool(true)
                    case "false", "no", "off", "0": return .bool(false)
                    default: throw fail("to_bool: \"\(text)\" is not a boolean")
                    }
                default:
                    guard let number = ValueOperations.double(arguments[0]) else { throw fail("to_bool: cannot convert \(arguments[0].typeName)") }
                    return .bool(number != 0)
                }
            },
            BuiltinFunction("round", [.number, .integer], required: 1, returns: .number) { (arguments) throws(EvaluationError) in
                if case .int = arguments[0] { return arguments[0] }
                guard let value = ValueOperations.double(arguments[0]) else { throw fail("round needs a number, found \(arguments[0].typeName)") }
                var digits: Int64 = 0
                if arguments.count > 1 {
                    guard case .int(let given) = arguments[1], (0...15).contains(given) else { throw fail("round: digits must be an integer from 0 to 15") }
                    digits = given
                }
                if digits == 0, let integer = Int64(exactly: value.rounded()) { return .int(integer) }
                let scale = Double(sign: .plus, exponent: 0, significand: 1) * pow10(Int(digits))
                return .double((value * scale).rounded() / scale)
            },
            BuiltinFunction("now", [], returns: .string) { _ in .string(Timestamps.now()) },
            BuiltinFunction("parse_timestamp", [.string, .string], required: 1, returns: .float) { (arguments) throws(EvaluationError) in
                let text = try string(arguments[0], "parse_timestamp")
                let seconds = arguments.count > 1
                    ? Timestamps.parse(text, format: try string(arguments[1], "parse_timestamp"))
                    : Timestamps.parseRFC3339(text)
                guard let seconds else { throw fail("parse_timestamp: \"\(text)\" does not match the format") }
                return .double(seconds)
            },
            BuiltinFunction("format_timestamp", [[.string, .integer, .float], .string], required: 1, returns: .string) { (arguments) throws(EvaluationError) in
                var seconds = ValueOperations.double(arguments[0])
                if case .string(let text) = arguments[0] { seconds = Timestamps.parseRFC3339(text) }
                guard let seconds else { throw fail("format_timestamp needs seconds since 1970 or RFC 3339 text") }
                if arguments.count > 1 { return .string(Timestamps.format(seconds, try string(arguments[1], "format_timestamp"))) }
                return .string(Timestamps.rfc3339(seconds))
            },
            BuiltinFunction("parse_json", [.string], returns: .any) { (arguments) throws(EvaluationError) in
                let text = try string(arguments[0], "parse_json")
                do {
                    return try JSONParser().parse(text)
                } catch {
                    throw fail("parse_json: \(error)")
                }
            },
            BuiltinFunction("encode_json", [.any], returns: .string) { arguments in .string(JSONWriter.string(arguments[0])) },
            BuiltinFunction("merge", [.object, .object], returns: .object) { (arguments) throws(EvaluationError) in
                guard case .object(var target) = arguments[0], case .object(let source) = arguments[1] else {
                    throw fail("merge needs two objects, found \(arguments[0].typeName) and \(arguments[1].typeName)")
                }
                for member in source.members { target[member.key] = member.value }
                return .object(target)
            },
            BuiltinFunction("keys", [.object], returns: .array) { (arguments) throws(EvaluationError) in
                guard case .object(let object) = arguments[0] else { throw fail("keys needs an object, found \(arguments[0].typeName)") }
                return .array(object.keys.map { .string($0) })
            },
            BuiltinFunction("values", [.object], returns: .array) { (arguments) throws(EvaluationError) in
                guard case .object(let object) = arguments[0] else { throw fail("values needs an object, found \(arguments[0].typeName)") }
                return .array(object.members.map(\.value))
            },
        ]
        functions.sort { $0.name < $1.name }
        return Dictionary(uniqueKeysWithValues: functions.map { ($0.name, $0) })
    }()

    /// Names handled by the parser itself.
    static let specialNames = ["exists", "matches", "del"]

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= 10 }
        return result
    }
}
