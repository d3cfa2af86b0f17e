import Synchronization

/// A live copy of the events leaving some stages of a running pipeline (`switchyard tap`).
///
/// The pipeline never waits for a tap: copies go into a bounded queue, and when its reader
/// is slower than the stages, copies are dropped, counted and reported to the reader as
/// ``News/dropped(_:)``. A tap ends when the pipeline ends or when ``cancel()`` is called.
public final class Tap: Sendable {
    /// What ``next()`` returns.
    public enum News: Sendable {
        /// Events that left the stage output `reference` (`stage` or `stage.output`).
        case events(reference: String, [Event])
        /// Copies lost since the last report because the reader fell behind.
        case dropped(Int)
    }

    private struct State {
        var queue: [(reference: String, events: [Event])] = []
        var head = 0
        var queuedEvents = 0
        var unreportedDrops = 0
        var ended = false
        var reader: CheckedContinuation<News?, Never>?
    }

    /// How many events may wait for the reader before copies are dropped.
    public let capacity: Int
    private let state = Mutex(State())
    private let onCancel: Mutex<(@Sendable () -> Void)?>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.onCancel = Mutex(nil)
    }

    /// Called (by the pipeline) with what detaches the tap from its ports.
    func whenCancelled(_ detach: @escaping @Sendable () -> Void) { onCancel.withLock { $0 = detach } }

    /// A copy of `events` from `reference`; never waits.
    func offer(_ reference: String, _ events: [Event]) {
        let reader = state.withLock { state -> (CheckedContinuation<News?, Never>, News)? in
            guard !state.ended else { return nil }
            if let reader = state.reader {
                state.reader = nil
                return (reader, .events(reference: reference, events))
            }
            guard state.queuedEvents + events.count <= capacity else {
                state.unreportedDrops += events.count
                return nil
            }
            state.queue.append((reference, events))
            state.queuedEvents += events.count
            return nil
        }
        if let (continuation, news) = reader { continuation.resume(returning: news) }
    }

    /// The next copies (or a drop report); nil once the tap has ended and everything was read.
    public func next() async -> News? {
        await withCheckedContinuation { (continuation: CheckedContinuation<News?, Never>) in
            let news = state.withLock { state -> News?? in
                if state.unreportedDrops > 0 {
                    defer { state.unreportedDrops = 0 }
                    return .some(.dropped(state.unreportedDrops))
                }
                if state.head < state.queue.count {
                    let item = state.queue[state.head]
                    state.queue[state.head] = ("", [])
                    state.head += 1
                    if state.head == state.queue.count {
                        state.queue = []
                        state.head = 0
                    }
                    state.queuedEvents -= item.events.count
                    return .some(.events(reference: item.reference, item.events))
                }
                if state.ended { return .some(nil) }
                state.reader = continuation
                return nil
            }
            if let news { continuation.resume(returning: news) }
        }
    }

    /// Stops the tap: no more copies; ``next()`` returns what is queued, then nil.
    public func cancel() {
        end()
        // Taken out, not just called: the detaching closure holds the tap, and left in place
        // the two kept each other alive (about 400 bytes a tap, for every tap ever opened).
        onCancel.withLock { detach in
            defer { detach = nil }
            return detach
        }?()
    }

    /// Ends the tap (the pipeline ended, or the tapped stage was removed).
    func end() {
        let reader = state.withLock { state -> CheckedContinuation<News?, Never>? in
            state.ended = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume(returning: nil)
    }
}
