/// A stage type as the registry knows it: docs plus a way to check and build a configuration.
public struct RegisteredStageType: Sendable {
    /// A configuration that decoded and checked cleanly, ready to become a stage.
    public struct Prepared: Sendable {
        /// Named outputs this configuration gives the stage.
        public var namedOutputs: [String]
        /// Makes the stage.
        public var make: @Sendable (StageContext) throws -> AnyStage
    }

    /// The stage type's kind.
    public let kind: StageKind
    /// Its `type:` name.
    public let typeName: String
    /// One line saying what it does.
    public let summary: String
    /// Every option, as the `Configuration` declares it. Read by reflection when asked, not at
    /// registration: a run pays for the types its pipeline names, not for every registered one.
    public var options: [OptionDeclaration] { declareOptions() }
    private let declareOptions: @Sendable () -> [OptionDeclaration]
    /// A YAML example of its mapping.
    public let example: String
    let prepare: @Sendable (ConfigNode, [String]) throws(ConfigurationError) -> Prepared

    init<S: StageType>(kind: StageKind, type: S.Type,
                       namedOutputs: @escaping @Sendable (S.Configuration) -> [String] = { _ in [] },
                       make: @escaping @Sendable (S) -> AnyStage) {
        self.kind = kind
        self.typeName = S.typeName
        self.summary = S.summary
        self.declareOptions = { S.Configuration.declarations }
        self.example = S.example
        self.prepare = { node, path throws(ConfigurationError) in
            let configuration = try ConfigDecoder().decode(
                S.Configuration.self, from: node, path: path, knownKeys: S.Configuration.declarations.map(\.name))
            let problems = configuration.problems()
            if !problems.isEmpty {
                throw ConfigurationError(problems.map { problem in
                    let where_ = problem.option.flatMap { name in node.mapping?.first { $0.key.scalar == name }?.key }
                    let prefix = (path + (problem.option.map { [$0] } ?? [])).joined(separator: ".") + ": "
                    return Diagnostic(at: where_?.location ?? node.location, prefix + problem.message)
                })
            }
            return Prepared(namedOutputs: namedOutputs(configuration)) { context in
                make(try S(configuration: configuration, context: context))
            }
        }
    }
}
