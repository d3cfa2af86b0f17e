import Foundation
import Logging
import SwitchyardKit

/// Loads and runs pipelines in a test, with the testing stages (`memory`, `collect`) registered.
public struct PipelineHarness: Sendable {
    /// The stage types the harness knows.
    public var registry: StageRegistry
    public var environment: [String: String]

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
        var logger = Logger(label: "switchyard-test")
        // Tests provoke failures on purpose; their error lines would read as real ones. Set
        // SWITCHYARD_TEST_LOG_LEVEL (e.g. warning) to see the stages' logs while debugging.
        logger.logLevel = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return Pipeline(plan: try load(yaml), logger: logger)
    }

    /// Runs `yaml` until it drains; returns the stages' counters.
    @discardableResult
    public func run(_ yaml: String) async throws -> [String: StageMetrics] {
        let pipeline = try pipeline(yaml)
        try await pipeline.run()
        return pipeline.metrics
    }
}
