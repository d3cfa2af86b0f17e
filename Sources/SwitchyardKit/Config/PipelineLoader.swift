import Foundation

/// Reads a pipeline file and checks it completely: YAML, environment variables,
/// stage types and options, and the graph. Reports every problem at once.
public struct PipelineLoader: Sendable {
    /// The top-level keys of a pipeline file.
    public static let topLevelKeys = ["data_dir", "sources", "transforms", "sinks", "api", "tests"]
    /// The largest pipeline file read (a pipeline is a few kilobytes; this stops `/dev/zero`).
    public static let maximumFileBytes = 4 << 20

    /// The stage types the loader knows.
    public let registry: StageRegistry
    /// The environment `${VAR}` references are read from.
    public let environment: [String: String]

    /// A loader for the stage types of `registry`, reading `${VAR}` from `environment`.
    public init(registry: StageRegistry, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.registry = registry
        self.environment = environment
    }

    /// Loads and checks the pipeline in `path`.
    public func load(file path: String) throws(ConfigurationError) -> PipelinePlan {
        try load(files: [path])
    }

    /// Loads and checks one pipeline made of several files: their sections are merged (a
    /// stage id declared twice is an error naming both places; `data_dir` and `api` may be
    /// set in one file only).
    public func load(files paths: [String]) throws(ConfigurationError) -> PipelinePlan {
        var documents: [(text: String, file: String)] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            let origin = SourceLocation(file: path, line: 1, column: 1)
            do {
                let bytes = try ConfigFile.read(path, limit: Self.maximumFileBytes)
                if let text = String(data: bytes, encoding: .utf8) {
                    documents.append((text, path))
                } else {
                    diagnostics.append(Diagnostic(at: origin, "the file is not UTF-8 text"))
                }
            } catch {
                diagnostics.append(Diagnostic(at: origin, "\(error)"))
            }
        }
        if paths.isEmpty { diagnostics.append(Diagnostic(at: SourceLocation(file: "-", line: 1, column: 1), "no pipeline file given")) }
        if !diagnostics.isEmpty { throw ConfigurationError(diagnostics) }
        return try load(documents: documents)
    }

    /// Loads and checks a pipeline from YAML text; `file` names it in messages.
    public func load(yaml text: String, file: String) throws(ConfigurationError) -> PipelinePlan {
        try load(documents: [(text, file)])
    }

    /// Loads and checks one pipeline from several YAML texts, each named by its file.
    public func load(documents: [(text: String, file: String)]) throws(ConfigurationError) -> PipelinePlan {
        var diagnostics: [Diagnostic] = []
        var dataDirectory: (value: String, location: SourceLocation)?
        var stages: [PlannedStage] = []
        var testsNodes: [ConfigNode] = []
        var api: (value: APIConfiguration?, location: SourceLocation)?

        /// A setting that may appear in one file only.
        func once(_ key: String, _ location: SourceLocation, firstAt first: SourceLocation?) -> Bool {
            guard let first else { return true }
            diagnostics.append(Diagnostic(at: location, "\(key) is already set at \(first); set it in one file only"))
            return false
        }

        // A file that is not YAML stops here: the graph checks would only add false errors.
        var roots: [(root: ConfigNode, file: String)] = []
        for (text, file) in documents {
            var builder = ConfigNodeBuilder(file: file, environment: environment)
            let root = builder.build(yaml: text)
            diagnostics += builder.diagnostics
            if let root { roots.append((root, file)) }
        }
        if roots.count < documents.count { throw ConfigurationError(diagnostics) }

        for (root, file) in roots {
            let origin = SourceLocation(file: file, line: 1, column: 1)
            switch root.content {
            case .null:
                if documents.count == 1 {
                    diagnostics.append(Diagnostic(at: origin, "the pipeline is empty; it needs at least a `sources:` and a `sinks:` section"))
                }
            case .mapping(let members):
                for member in members {
                    guard let key = member.key.scalar else {
                        diagnostics.append(Diagnostic(at: member.key.location, "expected a key"))
                        continue
                    }
                    switch key {
                    case "data_dir":
                        guard once("data_dir", member.key.location, firstAt: dataDirectory?.location) else { continue }
                        if let value = member.value.scalar { dataDirectory = (value, member.key.location) } else {
                            diagnostics.append(Diagnostic(at: member.value.location, "data_dir: expected a path, found \(member.value.kindName)"))
                        }
                    case "sources": stages += declarations(member.value, kind: .source, diagnostics: &diagnostics)
                    case "transforms": stages += declarations(member.value, kind: .transform, diagnostics: &diagnostics)
                    case "sinks": stages += declarations(member.value, kind: .sink, diagnostics: &diagnostics)
                    case "tests": testsNodes.append(member.value)
                    case "api":
                        guard once("api", member.key.location, firstAt: api?.location) else { continue }
                        api = (loadAPI(member.value, diagnostics: &diagnostics), member.key.location)
                    default:
                        var message = "unknown top-level key '\(key)'"
                        if let suggestion = Suggestion.closest(to: key, in: Self.topLevelKeys) {
                            message += "; did you mean '\(suggestion)'?"
                        } else {
                            message += "; valid keys: " + Self.topLevelKeys.joined(separator: ", ")
                        }
                        diagnostics.append(Diagnostic(at: member.key.location, message))
                    }
                }
            default:
                diagnostics.append(Diagnostic(at: root.location, "a pipeline must be a mapping with sources, transforms and sinks, found \(root.kindName)"))
            }
        }
        stages.sort { StageKind.allCases.firstIndex(of: $0.kind)! < StageKind.allCases.firstIndex(of: $1.kind)! }

        if dataDirectory == nil {
            for stage in stages where stage.buffer.type == .disk {
                diagnostics.append(Diagnostic(at: stage.location, "\(stage.kind.section).\(stage.id).buffer: type: disk keeps its files in data_dir/\(stage.id)/buffer; set a top-level `data_dir:`"))
            }
        }
        let file = documents.map(\.file).joined(separator: ", ")
        let graph = GraphValidator(stages: stages, file: documents.first?.file ?? file).validate()
        diagnostics += graph.errors
        let tests = testsNodes.flatMap { PipelineTestLoader(plan: stages).load($0, diagnostics: &diagnostics) }
        if !diagnostics.isEmpty {
            throw ConfigurationError(diagnostics.sorted { $0.location < $1.location } + graph.warnings)
        }
        return PipelinePlan(file: file, dataDirectory: dataDirectory?.value, stages: stages, warnings: graph.warnings, tests: tests,
                            api: api?.value)
    }

    private func loadAPI(_ node: ConfigNode, diagnostics: inout [Diagnostic]) -> APIConfiguration? {
        do {
            let options = try ConfigDecoder().decode(APIConfigurationOptions.self, from: node, path: ["api"])
            if let problem = options.problems().first {
                let location = node["address"]?.location ?? node.location
                diagnostics.append(Diagnostic(at: location, "api.address: \(problem.message)"))
            }
            return options.parsed
        } catch {
            diagnostics += error.diagnostics
            return nil
        }
    }

    /// Loads the `tests:` list of a separate file against `plan`'s stages (`switchyard test --tests FILE`).
    public func loadTests(file path: String, for plan: PipelinePlan) throws(ConfigurationError) -> [PipelineTestCase] {
        let origin = SourceLocation(file: path, line: 1, column: 1)
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError([Diagnostic(at: origin, "cannot read the file: \(error.localizedDescription)")])
        }
        var builder = ConfigNodeBuilder(file: path, environment: environment)
        let root = builder.build(yaml: text)
        var diagnostics = builder.diagnostics
        var tests: [PipelineTestCase] = []
        if let root {
            if let members = root.mapping, members.count == 1, members[0].key.scalar == "tests" {
                tests = PipelineTestLoader(plan: plan.stages).load(members[0].value, diagnostics: &diagnostics)
            } else {
                diagnostics.append(Diagnostic(at: root.location, "a tests file holds one key, `tests:`, with a list of tests"))
            }
        }
        if !diagnostics.isEmpty { throw ConfigurationError(diagnostics.sorted { $0.location < $1.location }) }
        return tests
    }

    private func declarations(_ section: ConfigNode, kind: StageKind, diagnostics: inout [Diagnostic]) -> [PlannedStage] {
        switch section.content {
        case .null: return []
        case .mapping(let members):
            return members.compactMap { member in
                declaration(id: member.key, body: member.value, kind: kind, diagnostics: &diagnostics)
            }
        default:
            diagnostics.append(Diagnostic(at: section.location, "\(kind.section): expected a mapping of stage ids to stages, found \(section.kindName)"))
            return []
        }
    }

    private func declaration(id idNode: ConfigNode, body: ConfigNode, kind: StageKind,
                             diagnostics: inout [Diagnostic]) -> PlannedStage? {
        guard let id = idNode.scalar, !id.isEmpty else {
            diagnostics.append(Diagnostic(at: idNode.location, "\(kind.section): expected a stage id"))
            return nil
        }
        let path = "\(kind.section).\(id)"
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            diagnostics.append(Diagnostic(at: idNode.location, "\(path): a stage id may hold only letters, digits, '_' and '-'"))
            return nil
        }
        guard let members = body.mapping else {
            diagnostics.append(Diagnostic(at: body.location, "\(path): expected a mapping with `type:` and options, found \(body.kindName)"))
            return nil
        }
        var options: [(key: ConfigNode, value: ConfigNode)] = []
        var typeNode: ConfigNode?
        var inputsNode: ConfigNode?
        var bufferNode: ConfigNode?
        for member in members {
            switch member.key.scalar {
            case "type": typeNode = member.value
            case "inputs": inputsNode = member.value
            case "buffer" where kind == .sink: bufferNode = member.value
            default: options.append(member)
            }
        }

        func problem(_ location: SourceLocation, _ message: String) {
            diagnostics.append(Diagnostic(at: location, "\(path): \(message)"))
        }

        var inputs: [InputReference] = []
        if kind == .source {
            if let inputsNode { problem(inputsNode.location, "a source takes no inputs") }
        } else if let inputsNode {
            if let list = inputsNode.sequence {
                for element in list {
                    if let text = element.scalar, !text.isEmpty {
                        inputs.append(InputReference(parsing: text, at: element.location))
                    } else {
                        problem(element.location, "inputs: expected a stage id, found \(element.kindName)")
                    }
                }
                if list.isEmpty { problem(inputsNode.location, "inputs: a \(kind.rawValue) needs at least one input") }
            } else {
                problem(inputsNode.location, "inputs: expected a list of stage ids, such as [source_id]")
            }
        } else {
            problem(idNode.location, "a \(kind.rawValue) needs `inputs:` (a list of stage ids)")
        }

        var buffer = BufferPolicy()
        if let bufferNode {
            do {
                let configuration = try ConfigDecoder().decode(BufferConfiguration.self, from: bufferNode, path: [path, "buffer"])
                for found in configuration.problems() {
                    let key = bufferNode.mapping?.first { $0.key.scalar == found.option }?.key
                    problem(key?.location ?? bufferNode.location, "buffer.\(found.option ?? ""): \(found.message)")
                }
                buffer = configuration.policy
            } catch {
                diagnostics += error.diagnostics
            }
        }

        // A stage with problems still joins the graph (as a placeholder), so graph checks see its id.
        var stage = PlannedStage(id: id, kind: kind, typeName: typeNode?.scalar ?? "", location: idNode.location,
                                 inputs: inputs, namedOutputs: [], buffer: buffer) { _ in
            throw ConfigurationError([Diagnostic(at: idNode.location, "\(path): the stage did not load")])
        }
        stage.outputsKnown = false
        stage.definition = ConfigNode(.mapping(members.filter { $0.key.scalar != "inputs" }), at: body.location).canonicalText
        guard let typeNode else {
            problem(idNode.location, "missing `type:`; \(kind.rawValue) types: \(registry.typeNames(kind).joined(separator: ", "))")
            return stage
        }
        guard let typeName = typeNode.scalar else {
            problem(typeNode.location, "type: expected a type name, found \(typeNode.kindName)")
            return stage
        }
        guard let type = registry.type(typeName, kind: kind) else {
            var message = "unknown \(kind.rawValue) type '\(typeName)'"
            if let suggestion = Suggestion.closest(to: typeName, in: registry.typeNames(kind)) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; \(kind.rawValue) types: " + registry.typeNames(kind).joined(separator: ", ")
            }
            problem(typeNode.location, message)
            return stage
        }

        let optionsNode = ConfigNode(.mapping(options), at: body.location)
        do {
            let prepared = try type.prepare(optionsNode, [path])
            stage.namedOutputs = prepared.namedOutputs
            stage.outputsKnown = true
            stage.make = prepared.make
        } catch {
            diagnostics += error.diagnostics
        }
        return stage
    }
}
