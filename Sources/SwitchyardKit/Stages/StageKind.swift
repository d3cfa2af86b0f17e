/// The three roles a stage can have, matching the config sections.
public enum StageKind: String, Sendable, Hashable, CaseIterable {
    case source
    case transform
    case sink

    /// The config section that declares stages of this kind.
    public var section: String { rawValue + "s" }
}
