import Foundation
import SwitchyardKit

/// Makes events: a fixed object or a list of lines, numbered, a set number of times or forever.
public struct GeneratorSource: Source {
    public struct Configuration: StageConfiguration {
        @Option("How many events to make; the source then ends (absent: endless).", minimum: 0)
        var count: Int?
        @Option("Pause between events (absent: as fast as the pipeline takes them).")
        var interval: ConfigDuration?
        @Option("Events {\"message\": line}, cycling through the list. Give this or `event`.")
        var lines: [String]?
        @Option("The event to make, as a mapping or JSON object. Give this or `lines`.")
        var event: JSONValue?

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            switch (lines, event) {
            case (nil, nil): problems.append(OptionProblem(option: nil, "give either `lines:` (a list of strings) or `event:` (an object)"))
            case (_?, _?): problems.append(OptionProblem(option: "event", "give either `lines:` or `event:`, not both"))
            case (let lines?, nil) where lines.isEmpty: problems.append(OptionProblem(option: "lines", "needs at least one line"))
            case (nil, let event?) where event.objectValue == nil:
                problems.append(OptionProblem(option: "event", "must be an object (a mapping), found \(event.typeName)"))
            default: break
            }
            if let count, count < 0 { problems.append(OptionProblem(option: "count", "must be 0 or more")) }
            return problems
        }
    }

    public static let typeName = "generator"
    public static let summary = "Makes numbered events from a fixed object or a list of lines; for demos and tests."
    public static let example = """
        type: generator
        count: 100
        interval: 100ms
        event: { event_type: state_changed, data: { entity_id: sensor.kitchen, new_state: { state: "21.5" } } }
        """

    /// Each event gets this top-level field: its sequence number, from 1.
    public static let sequenceField = "sequence"
    private static let batchSize = 1000

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(output: SourceOutput) async throws {
        let limit = configuration.count ?? Int.max
        let batchSize = configuration.interval == nil ? Self.batchSize : 1
        var sequence = 0
        while sequence < limit, !Task.isCancelled {
            if let interval = configuration.interval, sequence > 0 {
                try await Task.sleep(for: interval.duration)
            }
            let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
            var events: [Event] = []
            while events.count < batchSize, sequence < limit {
                sequence += 1
                events.append(Event(value: makeValue(sequence), metadata: metadata))
            }
            await output.send(events)
        }
    }

    private func makeValue(_ sequence: Int) -> JSONValue {
        var object: JSONObject
        if let lines = configuration.lines {
            object = JSONObject([(key: "message", value: .string(lines[(sequence - 1) % lines.count]))])
        } else {
            object = configuration.event?.objectValue ?? JSONObject()
        }
        object[Self.sequenceField] = .int(Int64(sequence))
        return .object(object)
    }
}
