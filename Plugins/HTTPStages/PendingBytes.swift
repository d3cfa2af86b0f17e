import Synchronization

/// The bytes of request bodies an `http_server` holds at once, across its connections: each
/// request reserves what it receives and gives it back once its events are handed on. A
/// request that would pass the limit is refused (503) instead of read, so many large bodies
/// at once cost at most the limit, not connections × `max_body_bytes`.
final class PendingBytes: Sendable {
    let limit: Int
    private let reserved = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// Reserves `count` more bytes; false (reserving nothing) when that would pass the limit.
    func reserve(_ count: Int) -> Bool {
        reserved.withLock { reserved in
            guard reserved + count <= limit else { return false }
            reserved += count
            return true
        }
    }

    /// Gives back `count` reserved bytes.
    func release(_ count: Int) {
        reserved.withLock { $0 -= count }
    }
}
