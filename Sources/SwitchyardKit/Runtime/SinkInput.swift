import Synchronization

/// The batches arriving at a sink, in order, ending when every upstream stage is done.
///
/// A sink acknowledges what it made durable with receipts: ``receipt()`` covers every
/// batch received since the previous call; resolve it after the write (and fsync, or
/// COMMIT, or 2xx) that made those events durable. When `run` returns normally, whatever
/// was received and not yet covered is acknowledged; when it throws, failed.
public struct SinkInput: Sendable, AsyncSequence {
    public typealias Element = EventBatch

    private let channel: any StageInputBuffer
    private let metrics: StageMetrics
    private let unreceipted: UnreceiptedTokens

    init(channel: any StageInputBuffer, metrics: StageMetrics) {
        self.channel = channel
        self.metrics = metrics
        self.unreceipted = UnreceiptedTokens()
    }

    /// The next batch, or nil when the input has ended.
    public func next() async -> EventBatch? {
        let batch = await channel.receive()
        if let batch {
            metrics.addIn(batch.count)
            if let token = batch.acknowledgement { unreceipted.append(token) }
        }
        return batch
    }

    /// Whether no batch is waiting right now (a good moment to flush).
    public var isIdle: Bool { channel.isEmpty }

    /// A receipt for every batch received since the last call: resolve it once they are durable.
    public func receipt() -> DeliveryReceipt { DeliveryReceipt(unreceipted.take()) }

    /// Iterates over the batches of a ``SinkInput``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let input: SinkInput
        public mutating func next() async -> EventBatch? { await input.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(input: self) }
}

/// The tokens of batches a sink received and has not yet covered by a receipt.
private final class UnreceiptedTokens: Sendable {
    private let tokens = Mutex<[Acknowledgement]>([])

    func append(_ token: Acknowledgement) { tokens.withLock { $0.append(token) } }

    func take() -> [Acknowledgement] {
        tokens.withLock { tokens in
            defer { tokens = [] }
            return tokens
        }
    }
}
