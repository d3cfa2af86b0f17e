/// The description of one option, read from its ``Option`` declaration: for docs and the schema.
public struct OptionDeclaration: Sendable {
    /// The key in YAML.
    public let name: String
    /// What values it takes.
    public let type: OptionType
    /// Whether it must be written.
    public let isRequired: Bool
    /// The value used when it is absent (nil: none, or absent means "not set").
    public let defaultValue: JSONValue?
    /// What it does.
    public let help: String
    /// The smallest number accepted, for numbers.
    public let minimum: Double?

    /// The default as a user writes it (`30s`, `ndjson`, `[]`), if any.
    public var defaultText: String? {
        guard let defaultValue else { return nil }
        switch defaultValue {
        case .string(let text): return text
        default: return JSONWriter.string(defaultValue)
        }
    }

    /// The options nested under this one (a group's members), empty otherwise.
    public var members: [OptionDeclaration] {
        if case .group(let members) = type { return members }
        return []
    }
}
