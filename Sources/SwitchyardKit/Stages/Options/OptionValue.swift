/// A type an ``Option`` can hold: decodable from YAML, and able to describe itself for the docs
/// and the schema.
public protocol OptionValue: Decodable, Sendable {
    /// The kind of value, for docs and the schema.
    static var optionType: OptionType { get }
    /// The value as JSON, for a default shown in docs and the schema (nil: not shown).
    var optionDefault: JSONValue? { get }
}

extension String: OptionValue {
    public static var optionType: OptionType { .string }
    public var optionDefault: JSONValue? { .string(self) }
}

extension Int: OptionValue {
    public static var optionType: OptionType { .integer }
    public var optionDefault: JSONValue? { .int(Int64(self)) }
}

extension Double: OptionValue {
    public static var optionType: OptionType { .number }
    public var optionDefault: JSONValue? { .double(self) }
}

extension Bool: OptionValue {
    public static var optionType: OptionType { .boolean }
    public var optionDefault: JSONValue? { .bool(self) }
}

extension JSONValue: OptionValue {
    public static var optionType: OptionType { .any }
    public var optionDefault: JSONValue? { self }
}

extension ConfigDuration: OptionValue {
    public static var optionType: OptionType { .duration }
    public var optionDefault: JSONValue? { .string(description) }
}

extension ConfigByteSize: OptionValue {
    public static var optionType: OptionType { .size }
    public var optionDefault: JSONValue? { .string(description) }
}

extension Expression: OptionValue {
    public static var optionType: OptionType { .expression }
    public var optionDefault: JSONValue? { .string(text) }
}

extension Condition: OptionValue {
    public static var optionType: OptionType { .expression }
    public var optionDefault: JSONValue? { .string(expression.text) }
}

extension Template: OptionValue {
    public static var optionType: OptionType { .template }
    public var optionDefault: JSONValue? { .string(text) }
}

extension RemapProgram: OptionValue {
    public static var optionType: OptionType { .program }
    public var optionDefault: JSONValue? { .string(text) }
}

extension Optional: OptionValue where Wrapped: OptionValue {
    public static var optionType: OptionType { Wrapped.optionType }
    public var optionDefault: JSONValue? { self?.optionDefault }
}

extension Array: OptionValue where Element: OptionValue {
    public static var optionType: OptionType { .list(Element.optionType) }
    public var optionDefault: JSONValue? {
        let elements = compactMap(\.optionDefault)
        return elements.count == count ? .array(elements) : nil
    }
}

extension Dictionary: OptionValue where Key == String, Value: OptionValue {
    public static var optionType: OptionType { .mapping(Value.optionType) }
    public var optionDefault: JSONValue? {
        var object = JSONObject()
        for (key, value) in sorted(by: { $0.key < $1.key }) {
            guard let json = value.optionDefault else { return nil }
            object[key] = json
        }
        return .object(object)
    }
}

extension ConfigEnum {
    public static var optionType: OptionType { .oneOf(allCases.map(\.rawValue)) }
    public var optionDefault: JSONValue? { .string(rawValue) }
}

extension OptionGroup {
    public static var optionType: OptionType { .group(declarations) }
    /// A group's default is shown member by member, not as a whole.
    public var optionDefault: JSONValue? { nil }
}
