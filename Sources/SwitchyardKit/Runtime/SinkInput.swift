/// The batches arriving at a sink, in order, ending when every upstream stage is done.
public struct SinkInput: Sendable, AsyncSequence {
    public typealias Element = EventBatch

    private let channel: EventChannel
    private let metrics: StageMetrics

    init(channel: EventChannel, metrics: StageMetrics) {
        self.channel = channel
        self.metrics = metrics
    }

    /// The next batch, or nil when the input has ended.
    public func next() async -> EventBatch? {
        let batch = await channel.receive()
        if let batch { metrics.addIn(batch.count) }
        return batch
    }

    /// Whether no batch is waiting right now (a good moment to flush).
    public var isIdle: Bool { channel.isEmpty }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let input: SinkInput
        public mutating func next() async -> EventBatch? { await input.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(input: self) }
}
