/// Where a source pushes its events. Sending waits while downstream buffers are full.
public struct SourceOutput: Sendable {
    private let port: OutputPort
    private let metrics: StageMetrics

    init(port: OutputPort, metrics: StageMetrics) {
        self.port = port
        self.metrics = metrics
    }

    /// Sends a batch downstream; returns once every consumer has taken it (or dropped it, as configured).
    ///
    /// If the batch carries an ``Acknowledgement``, the send uses up its maker's hold: the
    /// token completes once every sink the events reach has made them durable (at once
    /// for an empty batch, or when no consumer took it).
    public func send(_ batch: EventBatch) async {
        defer { batch.acknowledgement?.release() }
        guard !batch.isEmpty else { return }
        metrics.addOut(batch.count)
        await port.deliver(batch)
    }

    /// Whether `count` events of `bytes` bytes (``EventBatch/approximateBytes``) could be sent
    /// now without waiting and without a `drop_newest` buffer dropping them: a source that must
    /// answer a client at once (an HTTP server) refuses work instead of queueing it when this
    /// is false.
    public func hasRoom(for count: Int, bytes: Int = 0) -> Bool { port.hasRoom(for: count, bytes: bytes) }

    /// Sends events downstream as one batch, with an optional acknowledgement token (see ``send(_:)``).
    public func send(_ events: [Event], acknowledgement: Acknowledgement? = nil) async {
        await send(EventBatch(events, acknowledgement: acknowledgement))
    }
}
