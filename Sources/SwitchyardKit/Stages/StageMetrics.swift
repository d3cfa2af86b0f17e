import CoreMetrics
import Synchronization

/// One stage's counters, updated by the runtime and the stage, read by anyone.
///
/// In a running pipeline each counter is also a swift-metrics `Counter` (named as in
/// ``exportedNames``, with `stage`, `kind` and `type` dimensions), so whatever metrics
/// backend the process bootstrapped (Prometheus for `switchyard run`) sees them.
public final class StageMetrics: Sendable {
    /// The swift-metrics labels of the five counters: received, sent, dropped, errors, discarded.
    public static let exportedNames = [
        "switchyard_events_received_total", "switchyard_events_sent_total", "switchyard_events_dropped_total",
        "switchyard_errors_total", "switchyard_events_discarded_total",
    ]

    private let received = Atomic<Int>(0)
    private let sent = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)
    private let discardedCount = Atomic<Int>(0)
    /// The exported counters, in the order of ``exportedNames`` (empty: not exported).
    private let exported: [Counter]

    /// Counters read only in-process (tests, drivers).
    public init() {
        exported = []
    }

    /// Counters also reported through `factory` with `dimensions` (the stage's id, kind, type).
    public init(dimensions: [(String, String)], factory: any MetricsFactory) {
        exported = Self.exportedNames.map { Counter(label: $0, dimensions: dimensions, factory: factory) }
    }

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
    public func addIn(_ count: Int) { add(count, to: received, exported: 0) }
    /// Counts events sent on.
    public func addOut(_ count: Int) { add(count, to: sent, exported: 1) }
    /// Counts events lost (every drop is counted here).
    public func addDropped(_ count: Int) { add(count, to: droppedCount, exported: 2) }
    /// Counts errors.
    public func addErrors(_ count: Int) { add(count, to: errorCount, exported: 3) }
    /// Counts events removed on purpose by the stage's configuration.
    public func addDiscarded(_ count: Int) { add(count, to: discardedCount, exported: 4) }

    private func add(_ count: Int, to counter: borrowing Atomic<Int>, exported index: Int) {
        guard count != 0 else { return }
        counter.add(count, ordering: .relaxed)
        if !exported.isEmpty { exported[index].increment(by: count) }
    }
}
