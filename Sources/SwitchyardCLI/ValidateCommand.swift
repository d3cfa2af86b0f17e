import ArgumentParser
import SwitchyardKit

/// `switchyard validate PIPELINE.yaml…`: checks pipelines without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipelines without running them: exit 0 when all are valid, 1 otherwise."
    )

    @Argument(help: "Pipeline files, each checked on its own.")
    var pipelines: [String] = []

    @ArgumentParser.Option(name: [.customShort("c"), .customLong("config")],
                           help: "A file of one pipeline made of several; repeat (checked together, as `run -c` merges them).")
    var configs: [String] = []

    @ArgumentParser.Option(name: .long, help: "A directory whose *.yaml and *.yml files make one pipeline, checked together.")
    var configDir: String?

    func validate() throws {
        if pipelines.isEmpty, configs.isEmpty, configDir == nil {
            throw ValidationError("give pipeline files, -c FILE (repeatable) or --config-dir DIR")
        }
    }

    func run() throws {
        let loader = PipelineLoader(registry: SwitchyardCommand.registry)
        var failed = false
        var pipelines = self.pipelines.map { file in (name: file, paths: { () throws(ConfigurationError) in [file] }) }
        if !configs.isEmpty || configDir != nil {
            let merged = PipelineFiles(configs: configs, configDir: configDir)
            pipelines.append((merged.displayName, { () throws(ConfigurationError) in try merged.paths() }))
        }
        for (file, paths) in pipelines {
            do {
                let plan = try loader.load(files: paths())
                printDiagnostics(plan.warnings)
                print("\(file): valid (\(plan.stages.count) stages)")
            } catch {
                printDiagnostics(error.diagnostics)
                let errors = error.diagnostics.filter { $0.severity == .error }.count
                print("\(file): invalid (\(errors) error\(errors == 1 ? "" : "s"))")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
