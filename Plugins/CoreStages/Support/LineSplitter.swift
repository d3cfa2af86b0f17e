#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines, holding back an unfinished last line until more data comes.
struct LineSplitter {
    private var pending: [UInt8] = []
    /// Lines handed out so far (for line numbers in messages).
    private(set) var lineCount = 0

    /// Bytes of a partial line held back (not yet handed out).
    var pendingBytes: Int { pending.count }

    /// Calls `body` with each complete line (without its newline) in `chunk`.
    ///
    /// Lines are slices of `chunk` (no copy), except a line that began in an
    /// earlier chunk, which is joined into its own array.
    mutating func split(_ chunk: [UInt8], _ body: (ArraySlice<UInt8>, Int) -> Void) {
        var start = 0
        chunk.withUnsafeBufferPointer { buffer in
            while start < buffer.count {
                guard let found = memchr(buffer.baseAddress! + start, 0x0A, buffer.count - start) else { break }
                let newline = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                lineCount += 1
                if pending.isEmpty {
                    body(chunk[start..<newline], lineCount)
                } else {
                    pending.append(contentsOf: chunk[start..<newline])
                    body(pending[...], lineCount)
                    pending = []
                }
                start = newline + 1
            }
        }
        if start < chunk.count { pending.append(contentsOf: chunk[start...]) }
    }

    /// Hands out the held-back partial line, if any (at the end of the input).
    mutating func finish(_ body: (ArraySlice<UInt8>, Int) -> Void) {
        guard !pending.isEmpty else { return }
        lineCount += 1
        body(pending[...], lineCount)
        pending = []
    }

    /// Forgets a held-back partial line (the file was truncated under it).
    mutating func reset() { pending.removeAll() }
}
