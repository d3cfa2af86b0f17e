import Synchronization

/// One stage's counters, updated by the runtime and the stage, read by anyone.
public final class StageMetrics: Sendable {
    private let received = Atomic<Int>(0)
    private let sent = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)
    private let discardedCount = Atomic<Int>(0)

    public init() {}

    /// Events that came into the stage.
    public var eventsIn: Int { received.load(ordering: .relaxed) }
    /// Events the stage passed on.
    public var eventsOut: Int { sent.load(ordering: .relaxed) }
    /// Events lost at the stage's input or by an error: a full buffer with `drop_newest`, a failed stage,
    /// an event whose evaluation failed.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }
    /// Errors the stage hit (bad input lines, failed evaluations, failed writes...).
    public var errors: Int { errorCount.load(ordering: .relaxed) }
    /// Events the stage's own configuration removed on purpose (a filter's condition, sampling, throttling, dedupe).
    public var discarded: Int { discardedCount.load(ordering: .relaxed) }

    /// Counts events received.
    public func addIn(_ count: Int) { received.add(count, ordering: .relaxed) }
    /// Counts events sent on.
    public func addOut(_ count: Int) { sent.add(count, ordering: .relaxed) }
    /// Counts events lost (every drop is counted here).
    public func addDropped(_ count: Int) { droppedCount.add(count, ordering: .relaxed) }
    /// Counts errors.
    public func addErrors(_ count: Int) { errorCount.add(count, ordering: .relaxed) }
    /// Counts events removed on purpose by the stage's configuration.
    public func addDiscarded(_ count: Int) { discardedCount.add(count, ordering: .relaxed) }
}
