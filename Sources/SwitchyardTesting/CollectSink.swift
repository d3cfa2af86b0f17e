import SwitchyardKit

/// A sink for tests: keeps every event it receives in its harness's ``EventCollector`` under its `name`.
public struct CollectSink: Sink {
    /// The options of the `collect` sink.
    public struct Configuration: StageConfiguration {
        @Option("The name the harness's EventCollector keeps the events under.")
        var name: String
        @Option("Take no batch until the harness's gate of this name is opened.")
        var gate: String?
        @Option("Fail once this many events were received.")
        var fail_after: Int?
        @Option("Acknowledge nothing until the harness's gate of this name is opened.")
        var hold: String?

        public init() {}
    }

    /// Thrown when `fail_after` is reached.
    public struct InjectedFailure: Error, CustomStringConvertible {
        public var description: String { "injected failure" }
    }

    public static let typeName = "collect"
    public static let summary = "Keeps events in memory for tests (SwitchyardTesting)."
    public static let example = """
        type: collect
        inputs: [source]
        name: results
        """

    private let configuration: Configuration
    private let context: StageContext
    private let collector: EventCollector
    private let gates: Gates

    /// Makes the sink; throws ``HarnessRequired`` outside a ``PipelineHarness``.
    public init(configuration: Configuration, context: StageContext) throws {
        guard let collector = context.resources[EventCollector.self], let gates = context.resources[Gates.self] else {
            throw HarnessRequired(typeName: Self.typeName)
        }
        self.configuration = configuration
        self.context = context
        self.collector = collector
        self.gates = gates
    }

    /// Keeps every batch in the harness's collector, acknowledging it (after `hold` opens, if set).
    public func run(input: SinkInput) async throws {
        if let gate = configuration.gate { await gates.wait(gate) }
        var received = 0
        var held: [DeliveryReceipt] = []
        for await batch in input {
            collector.append(batch.events, to: configuration.name)
            context.metrics.addOut(batch.count)
            held.append(input.receipt())
            if configuration.hold == nil {
                held.forEach { $0.acknowledge() }
                held = []
            }
            received += batch.count
            if let limit = configuration.fail_after, received >= limit { throw InjectedFailure() }
        }
        if let hold = configuration.hold { await gates.wait(hold) }
        held.forEach { $0.acknowledge() }
    }
}
