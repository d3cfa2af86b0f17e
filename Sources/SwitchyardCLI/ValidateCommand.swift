import ArgumentParser
import SwitchyardKit

/// `switchyard validate PIPELINE.yaml…`: checks pipelines without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipelines without running them: exit 0 when all are valid, 1 otherwise."
    )

    @Argument(help: "The pipeline files.")
    var pipelines: [String]

    func run() throws {
        let loader = PipelineLoader(registry: SwitchyardCommand.registry)
        var failed = false
        for file in pipelines {
            do {
                let plan = try loader.load(file: file)
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
