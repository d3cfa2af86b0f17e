import Synchronization
import SwitchyardKit

/// Where ``MemorySource``s with `acknowledgements:` record how each batch's journey ended.
public enum AcknowledgementLog {
    private struct Entry {
        var sent = 0
        var outcomes: [DeliveryOutcome] = []
    }

    private static let store = Mutex<[String: Entry]>([:])

    /// The outcomes recorded under `name` so far, in the order they completed.
    public static func outcomes(_ name: String) -> [DeliveryOutcome] { store.withLock { $0[name]?.outcomes ?? [] } }

    /// How many batches were sent asking for an acknowledgement under `name`.
    public static func sentCount(_ name: String) -> Int { store.withLock { $0[name]?.sent ?? 0 } }

    static func sent(_ name: String) { store.withLock { $0[name, default: Entry()].sent += 1 } }

    static func record(_ outcome: DeliveryOutcome, in name: String) {
        store.withLock { $0[name, default: Entry()].outcomes.append(outcome) }
    }
}
