import ArgumentParser
import Logging
import SwitchyardKit

/// `switchyard test PIPELINE.yaml [--tests FILE]`: runs the pipeline's unit tests.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a pipeline's `tests:` (or those of --tests FILE): exit 0 when all pass, 1 otherwise."
    )

    @Argument(help: "The pipeline file.")
    var pipeline: String

    @ArgumentParser.Option(name: .long, help: "A file whose `tests:` to run instead of the pipeline's own.")
    var tests: String?

    func run() async throws {
        let loader = PipelineLoader(registry: SwitchyardCommand.registry)
        let plan: PipelinePlan
        let cases: [PipelineTestCase]
        do {
            plan = try loader.load(file: pipeline)
            cases = try tests.map { file throws(ConfigurationError) in try loader.loadTests(file: file, for: plan) } ?? plan.tests
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode(1)
        }
        guard !cases.isEmpty else {
            StandardError.write("\(tests ?? pipeline): no tests to run (add a `tests:` section)\n")
            throw ExitCode(1)
        }
        var logger = Logger(label: "switchyard-test")
        logger.logLevel = .critical
        let runner = PipelineTestRunner(plan: plan, logger: logger)
        var failed = 0
        for test in cases {
            let failures: [PipelineTestRunner.Failure]
            do {
                failures = try await runner.run(test)
            } catch {
                failures = [.init(test: test.name, location: test.location, message: "a stage failed: \(error)")]
            }
            if failures.isEmpty {
                print("test \(test.name) ... passed")
            } else {
                failed += 1
                print("test \(test.name) ... FAILED")
                for failure in failures { print(SecretRedactor.shared.redact("  \(failure)")) }
            }
        }
        print("\n\(cases.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
