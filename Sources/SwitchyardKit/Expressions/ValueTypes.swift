/// The set of types an expression may produce, as known at load time.
public struct ValueTypes: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The set, one bit per type.
    public let rawValue: UInt8
    /// The set of the bits in `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `null`.
    public static let null = ValueTypes(rawValue: 1 << 0)
    /// `true` or `false`.
    public static let bool = ValueTypes(rawValue: 1 << 1)
    /// An integer.
    public static let integer = ValueTypes(rawValue: 1 << 2)
    /// A floating-point number.
    public static let float = ValueTypes(rawValue: 1 << 3)
    /// A string.
    public static let string = ValueTypes(rawValue: 1 << 4)
    /// An array.
    public static let array = ValueTypes(rawValue: 1 << 5)
    /// An object.
    public static let object = ValueTypes(rawValue: 1 << 6)
    /// Any number.
    public static let number: ValueTypes = [.integer, .float]
    /// Any value.
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
