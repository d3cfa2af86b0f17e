import Synchronization

/// Named barriers a test uses to hold a ``CollectSink`` (`gate:`, `hold:`) until it opens them.
/// Each ``PipelineHarness`` has its own (``PipelineHarness/gates``).
public final class Gates: Sendable {
    private struct State {
        var open: Set<String> = []
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Lets everything waiting at gate `name` through, now and later.
    public func open(_ name: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open.insert(name)
            return state.waiters.removeValue(forKey: name) ?? []
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits until gate `name` is open.
    func wait(_ name: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isOpen = state.withLock { state -> Bool in
                if state.open.contains(name) { return true }
                state.waiters[name, default: []].append(continuation)
                return false
            }
            if isOpen { continuation.resume() }
        }
    }
}
