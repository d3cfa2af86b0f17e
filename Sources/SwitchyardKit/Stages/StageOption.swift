/// The documentation of one option of a stage type, shown by `switchyard stages TYPE`.
public struct StageOption: Sendable, Hashable {
    /// The option's key.
    public var name: String
    /// The value's type as a user writes it: `string`, `duration`, `ndjson | lines`.
    public var type: String
    /// Whether the option must be given.
    public var required: Bool
    /// The value used when the option is absent, if any.
    public var defaultValue: String?
    /// What the option does.
    public var summary: String

    public init(_ name: String, type: String, required: Bool = false, default defaultValue: String? = nil,
                _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}
