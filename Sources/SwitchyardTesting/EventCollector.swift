import Synchronization
import SwitchyardKit

/// Where ``CollectSink``s put what they receive, by collector name, for tests to read.
public enum EventCollector {
    private static let store = Mutex<[String: [Event]]>([:])

    /// Everything the collector `name` has received so far, in order.
    public static func events(_ name: String) -> [Event] { store.withLock { $0[name] ?? [] } }

    /// Forgets what the collector `name` holds.
    public static func reset(_ name: String) { store.withLock { $0[name] = nil } }

    static func append(_ events: [Event], to name: String) {
        store.withLock { $0[name, default: []].append(contentsOf: events) }
    }
}
