import Logging

/// One output of a stage, delivering every batch to each consumer wired to it (fan-out).
final class OutputPort: Sendable {
    /// One consumer's buffer, with its policy and counters.
    struct Edge: Sendable {
        let consumerID: String
        let channel: any StageInputBuffer
        let whenFull: BufferPolicy.WhenFull
        let consumerMetrics: StageMetrics
    }

    let edges: [Edge]
    private let logger: Logger

    init(edges: [Edge], logger: Logger) {
        self.edges = edges
        self.logger = logger
    }

    /// Hands `batch` to every consumer: waits on full `block` buffers, counts drops on `drop_newest` ones.
    ///
    /// The batch's acknowledgement token gains one hold per buffer that queued it; the
    /// caller's own hold is untouched. Returns whether every consumer took the batch.
    @discardableResult
    func deliver(_ batch: EventBatch) async -> Bool {
        guard !batch.isEmpty else { return true }
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

    /// Whether every consumer could take `count` events now: without waiting (`block`) or
    /// without dropping them (`drop_newest`).
    func hasRoom(for count: Int) -> Bool {
        edges.allSatisfy { $0.channel.hasRoom(for: count) }
    }

    /// Tells every consumer that this producer is done.
    func finish() {
        for edge in edges { edge.channel.producerFinished() }
    }
}
