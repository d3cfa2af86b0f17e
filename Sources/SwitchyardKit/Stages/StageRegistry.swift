/// Every stage type a binary knows, found by kind and `type:` name.
///
/// The core registers nothing: a binary (or a test) registers the stage
/// families it wants, one explicit call per type.
public struct StageRegistry: Sendable {
    private var types: [StageKind: [String: RegisteredStageType]] = [:]

    public init() {}

    /// Registers a source type.
    public mutating func register<S: Source>(_ type: S.Type) {
        add(RegisteredStageType(kind: .source, type: type) { .source($0) })
    }

    /// Registers a transform type.
    public mutating func register<T: Transform>(_ type: T.Type) {
        add(RegisteredStageType(kind: .transform, type: type, namedOutputs: { T.namedOutputs(for: $0) }) {
            .transform($0)
        })
    }

    /// Registers a sink type.
    public mutating func register<S: Sink>(_ type: S.Type) {
        add(RegisteredStageType(kind: .sink, type: type) { .sink($0) })
    }

    private mutating func add(_ entry: RegisteredStageType) {
        precondition(types[entry.kind]?[entry.typeName] == nil,
                     "\(entry.kind.rawValue) type '\(entry.typeName)' is registered twice")
        types[entry.kind, default: [:]][entry.typeName] = entry
    }

    /// The type registered under `name` for `kind`.
    public func type(_ name: String, kind: StageKind) -> RegisteredStageType? { types[kind]?[name] }

    /// The type names of `kind`, sorted.
    public func typeNames(_ kind: StageKind) -> [String] { (types[kind] ?? [:]).keys.sorted() }

    /// Every registered type, by kind then name.
    public var all: [RegisteredStageType] {
        StageKind.allCases.flatMap { kind in typeNames(kind).compactMap { types[kind]?[$0] } }
    }
}
