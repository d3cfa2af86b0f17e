/// A set of ``Option``s decoded from one YAML mapping: a stage's configuration, or a nested
/// group such as `reconnect: { initial_delay, max_delay }`.
///
/// Every stored property is an `@Option`; `init()` gives every option its default (required
/// options stay unset until decoded). Keys no option declares are rejected with a suggestion.
public protocol OptionGroup: OptionValue {
    /// The configuration with every default in place (required options unset).
    init()
}

extension OptionGroup {
    /// Every option the type declares, in declaration order.
    public static var declarations: [OptionDeclaration] { Self().declarationsOfInstance() }

    /// The options of this instance (its defaults), read by reflection of the `@Option` wrappers.
    func declarationsOfInstance() -> [OptionDeclaration] {
        Self.optionWrappers(of: self).map { $0.option.declaration(named: $0.name) }
    }

    /// The `@Option` wrappers of `instance` by key; any other stored property is a programming error.
    static func optionWrappers(of instance: Self) -> [(name: String, option: any AnyOption)] {
        Mirror(reflecting: instance).children.map { child in
            guard let label = child.label, label.hasPrefix("_"), let option = child.value as? any AnyOption else {
                preconditionFailure("\(Self.self).\(child.label ?? "?") is not an @Option: every stored property of an option group must be one")
            }
            return (String(label.dropFirst()), option)
        }
    }

    /// The blank wrappers by key: what a decoded group holds for an absent key.
    static func blankOptions() -> [String: any AnyOption] {
        Dictionary(uniqueKeysWithValues: optionWrappers(of: Self()).map { ($0.name, $0.option) })
    }
}
