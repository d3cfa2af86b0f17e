import Synchronization
import SwitchyardKit

/// Where the ``MemorySource``s of one harness with `acknowledgements:` record how each batch's
/// journey ended. Each ``PipelineHarness`` has its own (``PipelineHarness/acknowledgements``).
public final class AcknowledgementLog: Sendable {
    private struct Entry {
        var sent = 0
        var outcomes: [DeliveryOutcome] = []
    }

    private let store = Mutex<[String: Entry]>([:])

    public init() {}

    /// The outcomes recorded under `name` so far, in the order they completed.
    public func outcomes(_ name: String) -> [DeliveryOutcome] { store.withLock { $0[name]?.outcomes ?? [] } }

    /// How many batches were sent asking for an acknowledgement under `name`.
    public func sentCount(_ name: String) -> Int { store.withLock { $0[name]?.sent ?? 0 } }

    func sent(_ name: String) { store.withLock { $0[name, default: Entry()].sent += 1 } }

    func record(_ outcome: DeliveryOutcome, in name: String) {
        store.withLock { $0[name, default: Entry()].outcomes.append(outcome) }
    }
}
