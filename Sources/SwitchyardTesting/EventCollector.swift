import Synchronization
import SwitchyardKit

/// Where the ``CollectSink``s of one harness put what they receive, by collector name.
///
/// Each ``PipelineHarness`` has its own (``PipelineHarness/collector``): tests that use
/// separate harnesses share nothing and can run in parallel.
public final class EventCollector: Sendable {
    private let store = Mutex<[String: [Event]]>([:])

    public init() {}

    /// Everything the collector `name` has received so far, in order.
    public func events(_ name: String) -> [Event] { store.withLock { $0[name] ?? [] } }

    /// Forgets what the collector `name` holds.
    public func reset(_ name: String) { store.withLock { $0[name] = nil } }

    func append(_ events: [Event], to name: String) {
        store.withLock { $0[name, default: []].append(contentsOf: events) }
    }
}
