import ArgumentParser
import Foundation
import SwitchyardKit

/// Where a command's pipeline comes from: one file, `-c FILE` repeated, and/or `--config-dir DIR`
/// (every `*.yaml` and `*.yml` in it, in name order). Several files make one pipeline.
struct PipelineFiles: ParsableArguments {
    @Argument(help: "The pipeline file (or use -c/--config-dir).")
    var pipeline: String?

    @ArgumentParser.Option(name: [.customShort("c"), .customLong("config")],
                           help: "A pipeline file; repeat to merge several into one pipeline.")
    var configs: [String] = []

    @ArgumentParser.Option(name: .long, help: "A directory whose *.yaml and *.yml files make one pipeline (name order).")
    var configDir: String?

    init() {}

    /// Files given in code rather than parsed from arguments.
    init(configs: [String], configDir: String?) {
        self.pipeline = nil
        self.configs = configs
        self.configDir = configDir
    }

    func validate() throws {
        if pipeline == nil, configs.isEmpty, configDir == nil {
            throw ValidationError("give a pipeline file, -c FILE (repeatable) or --config-dir DIR")
        }
    }

    /// The files to read now (a directory is listed again on every call, so a reload sees new files).
    func paths() throws(ConfigurationError) -> [String] {
        var paths = (pipeline.map { [$0] } ?? []) + configs
        if let configDir {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: configDir)
            } catch {
                throw ConfigurationError([Diagnostic(at: SourceLocation(file: configDir, line: 1, column: 1),
                                                     "cannot list the directory: \(error.localizedDescription)")])
            }
            let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            if files.isEmpty {
                throw ConfigurationError([Diagnostic(at: SourceLocation(file: configDir, line: 1, column: 1),
                                                     "no *.yaml or *.yml file in the directory")])
            }
            paths += files.map { (configDir as NSString).appendingPathComponent($0) }
        }
        return paths
    }

    /// Loads and checks the pipeline the files make together.
    func load(registry: StageRegistry) throws(ConfigurationError) -> PipelinePlan {
        try PipelineLoader(registry: registry).load(files: paths())
    }

    /// A name for the pipeline in messages.
    var displayName: String {
        ((pipeline.map { [$0] } ?? []) + configs + (configDir.map { [$0 + "/"] } ?? [])).joined(separator: ", ")
    }
}
