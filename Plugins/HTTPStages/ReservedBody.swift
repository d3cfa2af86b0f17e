import NIOCore
import Synchronization

/// A request body as it arrives, with the bytes it holds reserved in the source's
/// ``PendingBytes``. Shared by the request's handler and the task that reads the body; the
/// handler gives the reservation back once, however the reading ended.
final class ReservedBody: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        /// Reserved so far: the declared length up front, or each chunk as it comes.
        var reserved = 0
        /// Reserved for working memory besides the body (a decompressor's).
        var workspace = 0
    }

    private let pending: PendingBytes
    private let state = Mutex(State())

    init(pending: PendingBytes) { self.pending = pending }

    /// The bytes received so far.
    var bytes: [UInt8] { state.withLock { $0.bytes } }

    /// Reserves `count` bytes ahead (a declared `Content-Length`); false when that would pass the limit.
    func reserve(_ count: Int) -> Bool {
        guard pending.reserve(count) else { return false }
        state.withLock { $0.reserved += count }
        return true
    }

    /// Reserves `count` bytes of working memory that the body's bytes do not use up; false
    /// when that would pass the limit.
    func reserveWorkspace(_ count: Int) -> Bool {
        guard pending.reserve(count) else { return false }
        state.withLock { $0.workspace += count }
        return true
    }

    /// Appends `chunk`, reserving what it adds past the reservation; false when that would pass the limit.
    func append(_ chunk: ByteBuffer) -> Bool { append(chunk.readableBytesView) }

    /// Appends `piece` (a decompressed part of the body), reserving as for a chunk.
    func append(_ piece: UnsafeBufferPointer<UInt8>) -> Bool { append(piece[...]) }

    private func append(_ chunk: some Collection<UInt8>) -> Bool {
        state.withLock { state in
            let needed = state.bytes.count + chunk.count - state.reserved
            if needed > 0 {
                guard pending.reserve(needed) else { return false }
                state.reserved += needed
            }
            // Room for a declared length at the first chunk (up to 64 MiB: past that the array
            // grows as bytes come, so a lie in Content-Length costs nothing up front).
            if state.bytes.isEmpty { state.bytes.reserveCapacity(min(state.reserved, 64 << 20)) }
            state.bytes.append(contentsOf: chunk)
            return true
        }
    }

    /// Gives the reservation back (the bytes stay readable).
    func release() {
        let reserved = state.withLock { state in
            defer { (state.reserved, state.workspace) = (0, 0) }
            return state.reserved + state.workspace
        }
        pending.release(reserved)
    }
}
