import Logging

/// One output of a stage, delivering every batch to each consumer wired to it (fan-out).
final class OutputPort: Sendable {
    /// One consumer's buffer, with its policy and counters.
    struct Edge: Sendable {
        let consumerID: String
        let channel: EventChannel
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
    func deliver(_ batch: EventBatch) async {
        guard !batch.isEmpty else { return }
        for edge in edges {
            let result: EventChannel.SendResult
            switch edge.whenFull {
            case .block: result = await edge.channel.send(batch)
            case .drop_newest: result = edge.channel.offer(batch)
            }
            switch result {
            case .queued: break
            case .full:
                edge.consumerMetrics.addDropped(batch.count)
                logger.debug("buffer full, dropped \(batch.count) events (when_full: drop_newest)",
                             metadata: ["consumer": "\(edge.consumerID)"])
            case .consumerGone:
                edge.consumerMetrics.addDropped(batch.count)
                logger.error("consumer has failed, \(batch.count) events not delivered",
                             metadata: ["consumer": "\(edge.consumerID)"])
            }
        }
    }

    /// Whether every blocking consumer could take `count` events now (drop_newest ones never block).
    func hasRoom(for count: Int) -> Bool {
        edges.allSatisfy { $0.whenFull == .drop_newest || $0.channel.hasRoom(for: count) }
    }

    /// Tells every consumer that this producer is done.
    func finish() {
        for edge in edges { edge.channel.producerFinished() }
    }
}
