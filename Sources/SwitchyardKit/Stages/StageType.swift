/// What every stage type declares: its name, docs, options, and how to make one.
///
/// A stage author writes one file holding the `Configuration` (each option declared once,
/// with ``Option``), the stage type and its docs, and registers it with one call
/// (`registry.register(MyStage.self)`).
public protocol StageType: Sendable {
    /// The options, each an ``Option``, decoded from the stage's YAML mapping.
    associatedtype Configuration: StageConfiguration

    /// The name used in `type:`.
    static var typeName: String { get }
    /// One line saying what the stage does.
    static var summary: String { get }
    /// A YAML example of the stage's mapping (without the id line).
    static var example: String { get }

    /// Makes the stage from its validated configuration. Do no I/O here: `run` does that.
    init(configuration: Configuration, context: StageContext) throws
}

extension StageType {
    /// Decodes and checks this stage's configuration from `options` (the stage's mapping without
    /// `type` and `inputs`), as the loader does: for tests and for building a stage in code.
    public static func configuration(_ options: JSONValue) throws(ConfigurationError) -> Configuration {
        var builder = ConfigNodeBuilder(file: "\(typeName) options", environment: [:])
        guard let node = builder.build(yaml: JSONWriter.string(options)) else { throw ConfigurationError(builder.diagnostics) }
        let configuration = try ConfigDecoder().decode(Configuration.self, from: node, path: [typeName],
                                                       knownKeys: Configuration.declarations.map(\.name))
        let problems = configuration.problems()
        guard problems.isEmpty else {
            throw ConfigurationError(problems.map { problem in
                Diagnostic(at: node.location, "\(typeName).\(problem.option.map { "\($0): " } ?? "")\(problem.message)")
            })
        }
        return configuration
    }
}
