import SwitchyardKit

/// A source for tests: sends the given events, in batches of `batch_size`, `repeat` times.
public struct MemorySource: Source {
    public struct Configuration: StageConfiguration {
        var events: [JSONValue]
        var `repeat`: Int?
        var batch_size: Int?
        var acknowledgements: String?
    }

    public static let typeName = "memory"
    public static let summary = "Sends a fixed list of events (SwitchyardTesting)."
    public static let options = [
        StageOption("events", type: "list", required: true, "The events to send."),
        StageOption("repeat", type: "integer", default: "1", "How many times to send the list; each copy gets `n`."),
        StageOption("batch_size", type: "integer", default: "100", "Events per batch."),
        StageOption("acknowledgements", type: "string",
                    "Ask for an acknowledgement of every batch and record the outcomes in the AcknowledgementLog of this name."),
    ]
    public static let example = """
        type: memory
        events: [{ a: 1 }, { a: 2 }]
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(output: SourceOutput) async throws {
        let batchSize = max(1, configuration.batch_size ?? 100)
        var batch: [Event] = []
        var number: Int64 = 0
        for _ in 0..<(configuration.repeat ?? 1) {
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
        AcknowledgementLog.sent(name)
        return Acknowledgement { AcknowledgementLog.record($0, in: name) }
    }
}
