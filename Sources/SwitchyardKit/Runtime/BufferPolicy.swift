/// How a consumer's input buffer behaves: its size and what happens when it is full.
public struct BufferPolicy: Sendable, Hashable {
    /// What a producer does when the consumer's buffer is full.
    public enum WhenFull: String, ConfigEnum {
        /// Wait until there is room (backpressure up to the sources).
        case block
        /// Drop the incoming batch and count the events as dropped.
        case drop_newest
    }

    /// The default buffer size, in events.
    public static let defaultMaxEvents = 10_000

    public var maxEvents: Int
    public var whenFull: WhenFull

    public init(maxEvents: Int = BufferPolicy.defaultMaxEvents, whenFull: WhenFull = .block) {
        self.maxEvents = maxEvents
        self.whenFull = whenFull
    }
}

/// The `buffer:` mapping of a sink, as written.
struct BufferConfiguration: StageConfiguration {
    var max_events: Int?
    var when_full: BufferPolicy.WhenFull?

    func problems() -> [OptionProblem] {
        if let max_events, max_events < 1 { return [OptionProblem(option: "max_events", "must be at least 1")] }
        return []
    }

    var policy: BufferPolicy {
        BufferPolicy(maxEvents: max_events ?? BufferPolicy.defaultMaxEvents, whenFull: when_full ?? .block)
    }
}
