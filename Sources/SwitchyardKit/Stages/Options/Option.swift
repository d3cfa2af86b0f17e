/// One option of a stage, declared once: its key (the property's name), type, default and help.
///
/// ```swift
/// struct Configuration: StageConfiguration {
///     @Option("Events let through per window.") var threshold: Int           // required
///     @Option("The window length.") var window = ConfigDuration(.seconds(60))  // default 60s
///     @Option("Throttle each value of this separately.") var key: Expression?  // optional
///     init() {}
/// }
/// ```
///
/// Decoding, the value used at run time when the key is absent, `switchyard stages`,
/// the README's reference and `switchyard schema` all read this one declaration.
@propertyWrapper
public struct Option<Value: OptionValue>: Sendable, Decodable {
    private var value: Value?
    /// Whether the key was written in the YAML (false: the default applies).
    public private(set) var isWritten = false
    /// What the option does, shown in docs and the schema.
    public let help: String
    /// Values accepted, when narrower than the type (an integer's lower bound).
    public let minimum: Double?

    /// The option's value. Reading a required option of an undecoded configuration is a programming error.
    public var wrappedValue: Value {
        get {
            guard let value else { preconditionFailure("a required option was read before it was decoded") }
            return value
        }
        set { value = newValue }
    }

    /// The declaration itself, as `$name`: for ``isWritten``.
    public var projectedValue: Option<Value> { self }

    /// An option with a default: `@Option("help") var window = ConfigDuration(.seconds(60))`.
    public init(wrappedValue: Value, _ help: String, minimum: Double? = nil) {
        self.value = wrappedValue
        self.help = help
        self.minimum = minimum
    }

    /// A required option, `@Option("help") var path: String`, or an optional one, absent by
    /// default: `@Option("help") var key: Expression?`.
    public init(_ help: String, minimum: Double? = nil) {
        self.value = (Value.self as? any ExpressibleByNilLiteral.Type).flatMap { $0.init(nilLiteral: ()) as? Value }
        self.help = help
        self.minimum = minimum
    }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Value.self)
        isWritten = true
        help = ""
        minimum = nil
    }
}

/// What the decoder and the docs need from an ``Option`` without knowing its value type.
protocol AnyOption: Sendable {
    /// Whether the key must be written (no default, not optional).
    var isRequired: Bool { get }
    func declaration(named name: String) -> OptionDeclaration
}

extension Option: AnyOption {
    var isRequired: Bool { value == nil }

    func declaration(named name: String) -> OptionDeclaration {
        OptionDeclaration(name: name, type: Value.optionType, isRequired: isRequired,
                                 defaultValue: value.flatMap { $0.optionDefault }, help: help, minimum: minimum)
    }
}
