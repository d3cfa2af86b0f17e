/// The unit that moves between stages: events in order, with the acknowledgement token
/// of the source batch they came from (if that source asked for one).
public struct EventBatch: Sendable, Equatable {
    /// The events, in order.
    public var events: [Event]
    /// Completed once every sink the batch reached has made it durable; nil when nobody asked.
    public var acknowledgement: Acknowledgement?

    /// A batch of `events`; `acknowledgement` is resolved once every sink has handled them.
    public init(_ events: [Event] = [], acknowledgement: Acknowledgement? = nil) {
        self.events = events
        self.acknowledgement = acknowledgement
    }

    /// The number of events.
    public var count: Int { events.count }

    /// About how many bytes the events hold (``Event/approximateBytes``).
    public var approximateBytes: Int { events.reduce(0) { $0 + $1.approximateBytes } }

    /// Whether the batch holds no events.
    public var isEmpty: Bool { events.isEmpty }

    /// Batches are equal when their events are.
    public static func == (lhs: EventBatch, rhs: EventBatch) -> Bool { lhs.events == rhs.events }
}
