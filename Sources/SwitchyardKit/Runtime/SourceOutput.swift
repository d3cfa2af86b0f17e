/// Where a source pushes its events. Sending waits while downstream buffers are full.
public struct SourceOutput: Sendable {
    private let port: OutputPort
    private let metrics: StageMetrics

    init(port: OutputPort, metrics: StageMetrics) {
        self.port = port
        self.metrics = metrics
    }

    /// Sends a batch downstream; returns once every consumer has taken it (or dropped it, as configured).
    public func send(_ batch: EventBatch) async {
        guard !batch.isEmpty else { return }
        metrics.addOut(batch.count)
        await port.deliver(batch)
    }

    /// Whether `count` events could be sent now without waiting: a source that must answer
    /// a client at once (an HTTP server) refuses work instead of queueing it when this is false.
    public func hasRoom(for count: Int) -> Bool { port.hasRoom(for: count) }

    /// Sends events downstream as one batch.
    public func send(_ events: [Event]) async {
        await send(EventBatch(events))
    }
}
