/// The unit that moves between stages: events in order.
///
/// Moving batches rather than single events keeps channel and task overhead
/// per event small. The type is a struct, not a bare array, so that a batch can
/// later carry an acknowledgement token without changing every stage.
public struct EventBatch: Sendable, Equatable {
    /// The events, in order.
    public var events: [Event]

    public init(_ events: [Event] = []) { self.events = events }

    /// The number of events.
    public var count: Int { events.count }

    /// Whether the batch holds no events.
    public var isEmpty: Bool { events.isEmpty }
}
