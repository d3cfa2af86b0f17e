/// The input buffer in front of a consumer stage: in memory (``EventChannel``) or on disk
/// (``DiskBuffer``). Producers send; the one consumer receives.
protocol StageInputBuffer: AnyObject, Sendable {
    /// Events waiting to be received.
    var bufferedEvents: Int { get }
    /// How many events the buffer holds before producers wait (0: counted in bytes instead).
    var capacity: Int { get }
    /// Whether nothing is waiting right now.
    var isEmpty: Bool { get }
    /// Whether `count` more events of `bytes` bytes would be taken now without waiting or dropping.
    func hasRoom(for count: Int, bytes: Int) -> Bool
    /// Takes `batch`, waiting while the buffer is full.
    func send(_ batch: EventBatch) async -> EventChannel.SendResult
    /// Takes `batch` if it fits now; never waits.
    func offer(_ batch: EventBatch) -> EventChannel.SendResult
    /// The next batch, or nil once every producer has finished and the buffer is drained.
    func receive() async -> EventBatch?
    /// One more producer (a reload wired a new edge); false when the buffer has already
    /// ended or its consumer failed, and so takes no new producer.
    func addProducer() -> Bool
    /// One producer is done.
    func producerFinished()
    /// The consumer is being replaced (a reload): its next receive returns nil although
    /// producers are open; what is buffered waits for the next consumer.
    func handOver()
    /// The next consumer starts receiving where the previous one stopped.
    func takeOver()
    /// The consumer has failed: refuse further sends; returns how many waiting events are lost to it.
    @discardableResult
    func consumerFailed() -> Int
}
