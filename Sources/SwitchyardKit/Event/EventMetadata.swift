/// Where and when an event entered the pipeline.
public struct EventMetadata: Sendable, Equatable {
    /// The id of the source stage that produced the event (empty for events made elsewhere).
    public var sourceID: String
    /// When the source received the event, in seconds since 1970 (UTC).
    public var receivedAt: Double

    /// Metadata of an event read by source `sourceID` at `receivedAt` (seconds since 1970).
    public init(sourceID: String = "", receivedAt: Double = 0) {
        self.sourceID = sourceID
        self.receivedAt = receivedAt
    }
}
