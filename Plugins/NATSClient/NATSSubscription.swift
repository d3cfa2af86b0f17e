import Synchronization

/// The messages of one subscription, queued as they arrive and taken in batches: a reader
/// wakes once for everything that came meanwhile, not once per message.
///
/// At most `capacity` messages wait; beyond that new ones are dropped and counted (a core
/// subscription whose reader is slower than its publishers; a JetStream pull never sends more
/// than was asked for).
public final class NATSSubscription: Sendable {
    private struct State {
        var queue: [NATSMessage] = []
        var dropped = 0
        var ended = false
        var reader: CheckedContinuation<Void, Never>?
    }

    /// The subscription's id on its connection.
    public let id: String
    /// The most messages that wait for the reader.
    public let capacity: Int
    private let state = Mutex(State())

    init(id: String, capacity: Int) {
        self.id = id
        self.capacity = max(1, capacity)
    }

    /// Messages dropped because the reader fell `capacity` behind.
    public var dropped: Int { state.withLock { $0.dropped } }

    func append(_ message: NATSMessage) {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.ended else { return nil }
            if state.queue.count >= capacity {
                state.dropped += 1
                return nil
            }
            state.queue.append(message)
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    func end() {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.ended = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Everything queued (at most `limit` messages), waiting while nothing is; nil once the
    /// subscription ended (closed connection, unsubscribed) or the task was cancelled.
    public func next(limit: Int) async -> [NATSMessage]? {
        while true {
            let taken = state.withLock { state -> [NATSMessage]? in
                guard !state.queue.isEmpty else { return nil }
                if state.queue.count <= limit {
                    defer { state.queue = [] }
                    return state.queue
                }
                defer { state.queue.removeFirst(limit) }
                return Array(state.queue.prefix(limit))
            }
            if let taken { return taken }
            if Task.isCancelled || state.withLock({ $0.ended }) { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || state.ended || Task.isCancelled { return true }
                        state.reader = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.reader = nil }
                    return state.reader
                }
                reader?.resume()
            }
        }
    }
}
