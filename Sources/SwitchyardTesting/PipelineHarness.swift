import Foundation
import Logging
import SwitchyardKit

/// Loads and runs pipelines in a test, with the testing stages (`memory`, `collect`) registered.
///
/// A harness owns the stores its testing stages use (what `collect` sinks received, the gates
/// they wait at, the acknowledgements `memory` sources saw): nothing is process-wide, so tests
/// with harnesses of their own run in parallel.
public struct PipelineHarness: Sendable {
    /// The stage types the harness knows.
    public var registry: StageRegistry
    /// The environment `${VAR}` references are read from.
    public var environment: [String: String]
    /// What this harness's `collect` sinks received, by `name`.
    public let collector = EventCollector()
    /// The gates this harness's `collect` sinks wait at (`gate:`, `hold:`).
    public let gates = Gates()
    /// The outcomes this harness's `memory` sources with `acknowledgements:` recorded.
    public let acknowledgements = AcknowledgementLog()

    /// A harness knowing `registry`'s stages plus `memory` and `collect`.
    public init(registry: StageRegistry = StageRegistry(), environment: [String: String] = [:]) {
        var registry = registry
        registry.register(MemorySource.self)
        registry.register(CollectSink.self)
        self.registry = registry
        self.environment = environment
    }

    /// Loads and checks `yaml`.
    public func load(_ yaml: String, file: String = "test.yaml") throws(ConfigurationError) -> PipelinePlan {
        try PipelineLoader(registry: registry, environment: environment).load(yaml: yaml, file: file)
    }

    /// The pipeline for `yaml`, ready to run.
    public func pipeline(_ yaml: String) throws -> Pipeline {
        var resources = StageResources()
        resources.add(collector)
        resources.add(gates)
        resources.add(acknowledgements)
        return Pipeline(plan: try load(yaml), logger: Self.testLogger, resources: resources)
    }

    /// The logger stages get in tests. Tests provoke failures on purpose, whose error lines would
    /// read as real ones: it logs only `critical` unless SWITCHYARD_TEST_LOG_LEVEL (e.g. warning) is set.
    public static var testLogger: Logger {
        var logger = Logger(label: "switchyard-test")
        logger.logLevel = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }

    /// Runs `yaml` until it drains; returns the stages' counters.
    @discardableResult
    public func run(_ yaml: String) async throws -> [String: StageMetrics] {
        let pipeline = try pipeline(yaml)
        try await pipeline.run()
        return pipeline.metrics
    }
}
