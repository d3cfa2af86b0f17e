/// The set of types an expression may produce, as known at load time.
public struct ValueTypes: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let null = ValueTypes(rawValue: 1 << 0)
    public static let bool = ValueTypes(rawValue: 1 << 1)
    public static let integer = ValueTypes(rawValue: 1 << 2)
    public static let float = ValueTypes(rawValue: 1 << 3)
    public static let string = ValueTypes(rawValue: 1 << 4)
    public static let array = ValueTypes(rawValue: 1 << 5)
    public static let object = ValueTypes(rawValue: 1 << 6)
    public static let number: ValueTypes = [.integer, .float]
    public static let any: ValueTypes = [.null, .bool, .integer, .float, .string, .array, .object]

    public var description: String {
        if self == .any { return "any value" }
        let names: [(ValueTypes, String)] = [
            (.null, "null"), (.bool, "boolean"), (.integer, "integer"), (.float, "float"), (.string, "string"),
            (.array, "array"), (.object, "object"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: " or ")
    }
}
