/// A mapping option whose order is the YAML's: `columns: { b: .x, a: .y }` keeps b before a
/// (a `[String: T]` would not).
public struct OrderedMapping<Value: OptionValue>: OptionValue {
    /// The members, in the order they are written.
    public var entries: [(key: String, value: Value)]

    /// A mapping of `entries`, in this order.
    public init(_ entries: [(key: String, value: Value)]) { self.entries = entries }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: MappingKey.self)
        entries = try container.allKeys.map { key in (key.stringValue, try container.decode(Value.self, forKey: key)) }
    }

    /// The keys, in order.
    public var keys: [String] { entries.map(\.key) }

    /// The value of `key`, if present.
    public subscript(key: String) -> Value? { entries.first { $0.key == key }?.value }

    public static var optionType: OptionType { .mapping(Value.optionType) }

    public var optionDefault: JSONValue? {
        var object = JSONObject()
        for (key, value) in entries {
            guard let json = value.optionDefault else { return nil }
            object[key] = json
        }
        return .object(object)
    }

    private struct MappingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
