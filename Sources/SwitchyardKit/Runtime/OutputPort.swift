import Logging
import Synchronization

/// One output of a stage, delivering every batch to each consumer wired to it (fan-out).
///
/// A port belongs to a stage id, not to one instance of the stage: when a reload replaces
/// the stage, the next instance delivers through the same port, so consumers see one
/// producer throughout. A reload rewires the consumers with ``rewire(to:)`` and ``detach(_:)``.
final class OutputPort: Sendable {
    /// One consumer's buffer, with its policy and counters.
    struct Edge: Sendable {
        let consumerID: String
        let channel: any StageInputBuffer
        let whenFull: BufferPolicy.WhenFull
        let consumerMetrics: StageMetrics
    }

    private struct State {
        var edges: [Edge] = []
        var finished = false
        /// Bumped by each rewiring; a delivery counts under the generation it started in.
        var generation = 0
        var deliveriesInFlight: [Int: Int] = [:]
        var drainWaiters: [(generation: Int, continuation: CheckedContinuation<Void, Never>)] = []
        /// Taps copying what leaves this port, with the reference they asked for.
        var taps: [(reference: String, tap: Tap)] = []
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// The consumers wired now.
    var edges: [Edge] { state.withLock { $0.edges } }

    /// Hands `batch` to every consumer: waits on full `block` buffers, counts drops on `drop_newest` ones.
    ///
    /// The batch's acknowledgement token gains one hold per buffer that queued it; the
    /// caller's own hold is untouched. Returns whether every consumer took the batch.
    @discardableResult
    func deliver(_ batch: EventBatch) async -> Bool {
        guard !batch.isEmpty else { return true }
        let (edges, generation, taps) = state.withLock { state in
            state.deliveriesInFlight[state.generation, default: 0] += 1
            return (state.edges, state.generation, state.taps)
        }
        defer { deliveryEnded(generation) }
        for (reference, tap) in taps { tap.offer(reference, batch.events) }
        var tookAll = true
        for edge in edges {
            batch.acknowledgement?.retain()
            let result: EventChannel.SendResult
            switch edge.whenFull {
            case .block: result = await edge.channel.send(batch)
            case .drop_newest: result = edge.channel.offer(batch)
            }
            switch result {
            case .queued: continue
            case .full:
                batch.acknowledgement?.markDropped()
                edge.consumerMetrics.addDropped(batch.count)
                logger.debug("buffer full, dropped \(batch.count) events (when_full: drop_newest)",
                             metadata: ["consumer": "\(edge.consumerID)"])
            case .consumerGone:
                batch.acknowledgement?.markFailed()
                edge.consumerMetrics.addDropped(batch.count)
                logger.error("consumer has failed, \(batch.count) events not delivered",
                             metadata: ["consumer": "\(edge.consumerID)"])
            }
            tookAll = false
            batch.acknowledgement?.release()
        }
        return tookAll
    }

    private func deliveryEnded(_ generation: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.deliveriesInFlight[generation, default: 1] -= 1
            if state.deliveriesInFlight[generation] == 0 { state.deliveriesInFlight[generation] = nil }
            let oldest = state.deliveriesInFlight.keys.min() ?? state.generation
            let ready = state.drainWaiters.filter { $0.generation <= oldest }
            state.drainWaiters.removeAll { $0.generation <= oldest }
            return ready.map(\.continuation)
        }
        ready.forEach { $0.resume() }
    }

    /// Whether every consumer could take `count` events of `bytes` bytes now: without waiting
    /// (`block`) or without dropping them (`drop_newest`).
    func hasRoom(for count: Int, bytes: Int) -> Bool {
        edges.allSatisfy { $0.channel.hasRoom(for: count, bytes: bytes) }
    }

    /// Consumers a rewiring took off the port, counted out by ``detach(_:)``.
    struct Detachment: Sendable {
        fileprivate let removed: [Edge]
        fileprivate let generation: Int
    }

    /// Wires the port to exactly `wanted` (compared by buffer). A new consumer gains this
    /// port as a producer at once; one no longer wanted keeps it until ``detach(_:)``. A
    /// finished port stays finished and gains nobody.
    func rewire(to wanted: [Edge]) -> Detachment {
        state.withLock { state -> Detachment in
            guard !state.finished else { return Detachment(removed: [], generation: 0) }
            let current = Set(state.edges.map { ObjectIdentifier($0.channel) })
            let kept = Set(wanted.map { ObjectIdentifier($0.channel) })
            let wired = wanted.filter { edge in
                if current.contains(ObjectIdentifier(edge.channel)) { return true }
                if edge.channel.addProducer() { return true }
                logger.warning("consumer has ended; it takes no new input until restarted",
                               metadata: ["consumer": "\(edge.consumerID)"])
                return false
            }
            let removed = state.edges.filter { !kept.contains(ObjectIdentifier($0.channel)) }
            state.edges = wired
            state.generation += 1
            return Detachment(removed: removed, generation: state.generation)
        }
    }

    /// Counts this port out of the consumers `detachment` took off, once every delivery that
    /// started before the rewiring has finished: no batch reaches a buffer after its
    /// producers were counted out.
    func detach(_ detachment: Detachment) async {
        guard !detachment.removed.isEmpty else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                let oldest = state.deliveriesInFlight.keys.min() ?? state.generation
                if oldest >= detachment.generation { return true }
                state.drainWaiters.append((detachment.generation, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
        for edge in detachment.removed { edge.channel.producerFinished() }
    }

    /// Copies every batch to `tap` from now on, labelled `reference`.
    func addTap(_ tap: Tap, as reference: String) {
        state.withLock { $0.taps.append((reference, tap)) }
    }

    /// Stops copying to `tap`.
    func removeTap(_ tap: Tap) {
        state.withLock { $0.taps.removeAll { $0.tap === tap } }
    }

    /// Tells every consumer that this producer is done.
    func finish() {
        let edges = state.withLock { state -> [Edge] in
            guard !state.finished else { return [] }
            state.finished = true
            state.taps = []
            defer { state.edges = [] }
            return state.edges
        }
        for edge in edges { edge.channel.producerFinished() }
    }
}
