import Synchronization

/// A named barrier tests use to hold a ``CollectSink`` until they open it.
public enum Gate {
    private struct State {
        var open: Set<String> = []
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    private static let state = Mutex(State())

    /// Lets everything waiting at gate `name` through, now and later.
    public static func open(_ name: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open.insert(name)
            return state.waiters.removeValue(forKey: name) ?? []
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits until gate `name` is open.
    static func wait(_ name: String) async {
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
