import SwitchyardKit

/// A source for tests: sends the given events, in batches of `batch_size`, `repeat` times.
public struct MemorySource: Source {
    /// The options of the `memory` source.
    public struct Configuration: StageConfiguration {
        @Option("The events to send.")
        var events: [JSONValue]
        @Option("How many times to send the list; each copy gets `n`.", minimum: 0)
        var `repeat` = 1
        @Option("Events per batch.", minimum: 1)
        var batch_size = 100
        @Option("Ask for an acknowledgement of every batch and record the outcomes in the harness's AcknowledgementLog under this name.")
        var acknowledgements: String?

        public init() {}
    }

    public static let typeName = "memory"
    public static let summary = "Sends a fixed list of events (SwitchyardTesting)."
    public static let example = """
        type: memory
        events: [{ a: 1 }, { a: 2 }]
        """

    private let configuration: Configuration
    private let context: StageContext
    private let log: AcknowledgementLog?

    /// Makes the source; `acknowledgements:` needs a ``PipelineHarness``.
    public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        self.context = context
        self.log = context.resources[AcknowledgementLog.self]
        if configuration.acknowledgements != nil, log == nil { throw HarnessRequired(typeName: Self.typeName) }
    }

    /// Sends the events, numbered in `n`, `repeat` times.
    public func run(output: SourceOutput) async throws {
        let batchSize = max(1, configuration.batch_size)
        var batch: [Event] = []
        var number: Int64 = 0
        for _ in 0..<(configuration.repeat) {
            for value in configuration.events {
                number += 1
                var value = value
                value["n"] = .int(number)
                batch.append(Event(value: value, metadata: EventMetadata(sourceID: context.id)))
                if batch.count == batchSize {
                    await output.send(batch, acknowledgement: acknowledgement())
                    batch = []
                    if Task.isCancelled { return }
                }
            }
        }
        if !batch.isEmpty { await output.send(batch, acknowledgement: acknowledgement()) }
    }

    private func acknowledgement() -> Acknowledgement? {
        guard let name = configuration.acknowledgements else { return nil }
        log?.sent(name)
        return Acknowledgement { [log] in log?.record($0, in: name) }
    }
}
