import Synchronization

/// The bounded buffer in front of a consumer stage, fed by one or more producers.
///
/// Capacity counts events, not batches, and the events' bytes are bounded too
/// (``BufferPolicy/memoryMaxBytes``). A producer that finds it full suspends
/// until the consumer takes something (backpressure); a batch always fits into
/// an empty channel, so an oversized batch cannot deadlock. The channel ends
/// for the consumer once every producer has finished and the buffer is empty.
/// If the consumer fails, further sends are refused so producers never hang.
final class EventChannel: StageInputBuffer {
    /// What happened to a batch handed to ``send(_:)`` or ``offer(_:)``.
    enum SendResult {
        case queued
        /// The buffer was full (only from `offer`).
        case full
        /// The consumer has failed; the batch was not taken.
        case consumerGone
    }

    private struct State {
        var queue: [(batch: EventBatch, bytes: Int)] = []
        var head = 0
        var bufferedEvents = 0
        var bufferedBytes = 0
        var openProducers: Int
        var consumerGone = false
        /// The current consumer is being replaced: its next receive ends its input (a reload).
        var handingOver = false
        var receiver: CheckedContinuation<EventBatch?, Never>?
        var waitingSenders: [CheckedContinuation<Void, Never>] = []

        mutating func pop() -> EventBatch {
            let (batch, bytes) = queue[head]
            queue[head] = (EventBatch(), 0)
            head += 1
            if head > 64, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            bufferedEvents -= batch.count
            bufferedBytes -= bytes
            return batch
        }

        var isEmpty: Bool { head == queue.count }

        /// Whether a batch of `count` events and `bytes` bytes is taken now.
        func fits(count: Int, bytes: Int, capacity: Int, maxBytes: Int) -> Bool {
            consumerGone || bufferedEvents == 0
                || (bufferedEvents + count <= capacity && bufferedBytes + bytes <= maxBytes)
        }
    }

    /// How many events the buffer holds before producers wait.
    let capacity: Int
    /// How many bytes of events it holds before producers wait.
    let maxBytes: Int
    private let state: Mutex<State>

    init(capacity: Int, producers: Int, maxBytes: Int = BufferPolicy.memoryMaxBytes) {
        self.capacity = max(1, capacity)
        self.maxBytes = max(1, maxBytes)
        self.state = Mutex(State(openProducers: producers))
    }

    /// Events currently buffered.
    var bufferedEvents: Int { state.withLock { $0.bufferedEvents } }

    /// Bytes of events currently buffered (their text, as ``Event/approximateBytes`` counts it).
    var bufferedBytes: Int { state.withLock { $0.bufferedBytes } }

    /// Whether nothing is buffered right now.
    var isEmpty: Bool { state.withLock { $0.isEmpty } }

    /// Whether `count` more events of `bytes` bytes would be queued now without waiting.
    func hasRoom(for count: Int, bytes: Int) -> Bool {
        state.withLock { $0.fits(count: count, bytes: bytes, capacity: capacity, maxBytes: maxBytes) }
    }

    /// Queues `batch`, waiting while the buffer is full.
    func send(_ batch: EventBatch) async -> SendResult {
        let bytes = batch.approximateBytes
        while true {
            let result = enqueue(batch, bytes: bytes)
            guard case .full = result else { return result }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fits(count: batch.count, bytes: bytes, capacity: capacity, maxBytes: maxBytes) {
                        return true
                    }
                    state.waitingSenders.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Queues `batch` if it fits now; never waits.
    func offer(_ batch: EventBatch) -> SendResult { enqueue(batch, bytes: batch.approximateBytes) }

    private func enqueue(_ batch: EventBatch, bytes: Int) -> SendResult {
        let (result, receiver) = state.withLock { state -> (SendResult, CheckedContinuation<EventBatch?, Never>?) in
            if state.consumerGone { return (.consumerGone, nil) }
            guard state.fits(count: batch.count, bytes: bytes, capacity: capacity, maxBytes: maxBytes) else { return (.full, nil) }
            if let receiver = state.receiver {
                state.receiver = nil
                return (.queued, receiver)
            }
            state.queue.append((batch, bytes))
            state.bufferedEvents += batch.count
            state.bufferedBytes += bytes
            return (.queued, nil)
        }
        receiver?.resume(returning: batch)
        return result
    }

    /// The next batch, or nil once every producer has finished and the buffer is drained.
    func receive() async -> EventBatch? {
        if state.withLock({ $0.handingOver }) { return nil }
        if let immediate = tryReceive() { return immediate }
        return await withCheckedContinuation { (continuation: CheckedContinuation<EventBatch?, Never>) in
            let (batch, finished, senders) = state.withLock {
                state -> (EventBatch?, Bool, [CheckedContinuation<Void, Never>]) in
                if state.handingOver { return (nil, true, []) }
                if !state.isEmpty {
                    let batch = state.pop()
                    let senders = state.waitingSenders
                    state.waitingSenders = []
                    return (batch, false, senders)
                }
                if state.openProducers == 0 { return (nil, true, []) }
                state.receiver = continuation
                return (nil, false, [])
            }
            senders.forEach { $0.resume() }
            if let batch {
                continuation.resume(returning: batch)
            } else if finished {
                continuation.resume(returning: nil)
            }
        }
    }

    /// The next batch if one is buffered now.
    func tryReceive() -> EventBatch? {
        let (batch, senders) = state.withLock { state -> (EventBatch?, [CheckedContinuation<Void, Never>]) in
            guard !state.isEmpty else { return (nil, []) }
            let batch = state.pop()
            let senders = state.waitingSenders
            state.waitingSenders = []
            return (batch, senders)
        }
        senders.forEach { $0.resume() }
        return batch
    }

    func addProducer() -> Bool {
        state.withLock { state in
            guard state.openProducers > 0, !state.consumerGone else { return false }
            state.openProducers += 1
            return true
        }
    }

    func handOver() {
        let receiver = state.withLock { state -> CheckedContinuation<EventBatch?, Never>? in
            state.handingOver = true
            defer { state.receiver = nil }
            return state.receiver
        }
        receiver?.resume(returning: nil)
    }

    func takeOver() { state.withLock { $0.handingOver = false } }

    /// One producer is done; when all are, a waiting consumer learns the channel ended.
    func producerFinished() {
        let receiver = state.withLock { state -> CheckedContinuation<EventBatch?, Never>? in
            state.openProducers -= 1
            guard state.openProducers == 0, state.isEmpty else { return nil }
            defer { state.receiver = nil }
            return state.receiver
        }
        receiver?.resume(returning: nil)
    }

    /// The consumer has failed: drop what is buffered, refuse further sends, release waiting producers.
    /// Returns how many buffered events were discarded.
    @discardableResult
    func consumerFailed() -> Int {
        let (discarded, senders, lost) = state.withLock {
            state -> (Int, [CheckedContinuation<Void, Never>], [EventBatch]) in
            state.consumerGone = true
            let discarded = state.bufferedEvents
            let lost = state.queue[state.head...].map(\.batch)
            state.queue = []
            state.head = 0
            state.bufferedEvents = 0
            state.bufferedBytes = 0
            let senders = state.waitingSenders
            state.waitingSenders = []
            return (discarded, senders, lost)
        }
        for batch in lost {
            batch.acknowledgement?.markFailed()
            batch.acknowledgement?.release()
        }
        senders.forEach { $0.resume() }
        return discarded
    }
}
