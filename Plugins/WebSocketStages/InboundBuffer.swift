import Synchronization
import SwitchyardKit

/// Events read from the socket, waiting for the pipeline; shared by all connections of one source.
///
/// The reader pushes, one forwarder task takes. When full, `block` makes the
/// reader wait (it stops reading the socket); `drop_oldest` keeps the reader
/// going and drops the oldest waiting events. Every drop is reported to `dropped`,
/// including events pushed after the source stopped (a connection still closing).
final class InboundBuffer: Sendable {
    private struct State {
        var events: [Event] = []
        var head = 0
        var closed = false
        var forwarder: CheckedContinuation<[Event]?, Never>?
        var readers: [CheckedContinuation<Void, Never>] = []
        var count: Int { events.count - head }
    }

    let capacity: Int
    let whenFull: WebSocketWhenFull
    private let dropped: @Sendable (Int) -> Void
    private let state = Mutex(State())

    /// `dropped` is called with the count of each drop, outside the buffer's lock.
    init(capacity: Int, whenFull: WebSocketWhenFull, dropped: @escaping @Sendable (Int) -> Void) {
        self.capacity = max(1, capacity)
        self.whenFull = whenFull
        self.dropped = dropped
    }

    /// Adds events (with `drop_oldest`, dropping the oldest waiting ones past the capacity).
    func push(_ incoming: [Event]) async {
        guard !incoming.isEmpty else { return }
        if whenFull == .block {
            // Wait for room; a cancelled reader (the connection is ending) still hands over what it read.
            while !Task.isCancelled, state.withLock({ $0.count >= capacity }) {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = state.withLock { state -> Bool in
                            if state.count < capacity || Task.isCancelled { return true }
                            state.readers.append(continuation)
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let readers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                        defer { state.readers = [] }
                        return state.readers
                    }
                    readers.forEach { $0.resume() }
                }
            }
        }
        let (dropped, forwarder, handed) = state.withLock { state -> (Int, CheckedContinuation<[Event]?, Never>?, [Event]?) in
            // The forwarder has ended or is about to: nobody would take these.
            if state.closed { return (incoming.count, nil, nil) }
            if let forwarder = state.forwarder, state.count == 0 {
                state.forwarder = nil
                return (0, forwarder, incoming)
            }
            state.events.append(contentsOf: incoming)
            var dropped = 0
            if whenFull == .drop_oldest, state.count > capacity {
                dropped = state.count - capacity
                state.head += dropped
            }
            if state.head > 4096, state.head * 2 > state.events.count {
                state.events.removeFirst(state.head)
                state.head = 0
            }
            return (dropped, nil, nil)
        }
        forwarder?.resume(returning: handed)
        if dropped > 0 { self.dropped(dropped) }
    }

    /// Everything waiting (waits when empty); nil once closed and drained.
    func take() async -> [Event]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Event]?, Never>) in
            let (taken, finished, readers) = state.withLock { state -> ([Event]?, Bool, [CheckedContinuation<Void, Never>]) in
                if state.count > 0 {
                    let taken = Array(state.events[state.head...])
                    state.events.removeAll(keepingCapacity: true)
                    state.head = 0
                    defer { state.readers = [] }
                    return (taken, false, state.readers)
                }
                if state.closed { return (nil, true, []) }
                state.forwarder = continuation
                return (nil, false, [])
            }
            readers.forEach { $0.resume() }
            if let taken { continuation.resume(returning: taken) } else if finished { continuation.resume(returning: nil) }
        }
    }

    /// No more pushes will come: the forwarder drains what is left, then ends.
    func close() {
        let forwarder = state.withLock { state -> CheckedContinuation<[Event]?, Never>? in
            state.closed = true
            guard state.count == 0 else { return nil }
            defer { state.forwarder = nil }
            return state.forwarder
        }
        forwarder?.resume(returning: nil)
    }
}
