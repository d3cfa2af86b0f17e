import NIOCore

/// A request body as it arrives, with the bytes it holds reserved in the source's
/// ``PendingBytes``.
struct ReservedBody: Sendable {
    private let pending: PendingBytes
    private(set) var bytes: [UInt8] = []
    /// Reserved so far: the declared length up front, or each chunk as it comes.
    private var reserved = 0

    init(pending: PendingBytes) { self.pending = pending }

    /// Reserves `count` bytes ahead (a declared `Content-Length`); false when that would pass the limit.
    mutating func reserve(_ count: Int) -> Bool {
        guard pending.reserve(count) else { return false }
        reserved += count
        return true
    }

    /// Appends `chunk`, reserving what it adds past the reservation; false when that would pass the limit.
    mutating func append(_ chunk: ByteBuffer) -> Bool {
        let needed = bytes.count + chunk.readableBytes - reserved
        if needed > 0 {
            guard pending.reserve(needed) else { return false }
            reserved += needed
        }
        // Room for a declared length at the first chunk, by whoever appends (not at `reserve`,
        // whose copy of the empty array would be copied again at the first append).
        if bytes.isEmpty { bytes.reserveCapacity(reserved) }
        bytes.append(contentsOf: chunk.readableBytesView)
        return true
    }

    /// Gives the reservation back (the bytes stay readable).
    mutating func release() {
        pending.release(reserved)
        reserved = 0
    }
}
