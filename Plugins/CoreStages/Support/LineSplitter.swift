#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines, holding back an unfinished last line until more data comes.
///
/// A line longer than `maxLineBytes` is never held in memory: from the moment it passes
/// the limit its bytes are skipped up to its newline, and `overlong` is told where it began.
/// A UTF-8 byte order mark at the very start of the stream is not part of the first line
/// (RFC 8259 lets a parser ignore it; Windows tools write one).
struct LineSplitter {
    /// The default of the sources' `max_line_bytes`.
    static let defaultMaxLineBytes = 1 << 20

    private var pending: [UInt8] = []
    /// Lines handed out or skipped so far (for line numbers in messages).
    private(set) var lineCount = 0
    /// The longest line handed out.
    let maxLineBytes: Int
    /// Stream offset of the next byte `split` will see.
    private(set) var streamOffset: Int64 = 0
    /// While skipping an over-long line: its length so far.
    private var skipped: Int64?

    init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Bytes since the start of the current, unfinished line (held back or being skipped).
    var pendingBytes: Int64 { skipped ?? Int64(pending.count) }

    /// Calls `body` with each complete line (without its newline) in `chunk`, and `overlong`
    /// with the line number and stream offset of each line that passes `maxLineBytes`.
    ///
    /// Lines are slices of `chunk` (no copy), except a line that began in an
    /// earlier chunk, which is joined into its own array.
    mutating func split(_ chunk: [UInt8], _ body: (ArraySlice<UInt8>, Int) -> Void,
                        overlong: (_ lineNumber: Int, _ offset: Int64) -> Void = { _, _ in }) {
        var start = 0
        let chunkOffset = streamOffset
        streamOffset += Int64(chunk.count)
        chunk.withUnsafeBufferPointer { buffer in
            while start < buffer.count {
                guard let found = memchr(buffer.baseAddress! + start, 0x0A, buffer.count - start) else { break }
                let newline = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                defer { start = newline + 1 }
                if skipped != nil {
                    skipped = nil
                    continue
                }
                lineCount += 1
                if pending.count + newline - start > maxLineBytes {
                    overlong(lineCount, chunkOffset + Int64(start) - Int64(pending.count))
                    pending = []
                } else if pending.isEmpty {
                    body(Self.withoutByteOrderMark(chunk[start..<newline], at: chunkOffset + Int64(start)), lineCount)
                } else {
                    let lineStart = chunkOffset + Int64(start) - Int64(pending.count)
                    pending.append(contentsOf: chunk[start..<newline])
                    body(Self.withoutByteOrderMark(pending[...], at: lineStart), lineCount)
                    pending = []
                }
            }
        }
        guard start < chunk.count else { return }
        let rest = chunk.count - start
        if let length = skipped {
            skipped = length + Int64(rest)
        } else if pending.count + rest > maxLineBytes {
            lineCount += 1
            let lineStart = chunkOffset + Int64(start) - Int64(pending.count)
            overlong(lineCount, lineStart)
            skipped = Int64(pending.count + rest)
            pending = []
        } else {
            pending.append(contentsOf: chunk[start...])
        }
    }

    /// Hands out the held-back partial line, if any (at the end of the input).
    mutating func finish(_ body: (ArraySlice<UInt8>, Int) -> Void) {
        skipped = nil
        guard !pending.isEmpty else { return }
        lineCount += 1
        body(Self.withoutByteOrderMark(pending[...], at: streamOffset - Int64(pending.count)), lineCount)
        pending = []
    }

    /// `line` without a UTF-8 byte order mark (EF BB BF) when it starts the stream.
    private static func withoutByteOrderMark(_ line: ArraySlice<UInt8>, at offset: Int64) -> ArraySlice<UInt8> {
        guard offset == 0, line.count >= 3 else { return line }
        let start = line.startIndex
        guard line[start] == 0xEF, line[start + 1] == 0xBB, line[start + 2] == 0xBF else { return line }
        return line.dropFirst(3)
    }

    /// Forgets a held-back partial line and starts again at `offset` (after a seek or a truncation).
    mutating func reset(at offset: Int64 = 0) {
        pending.removeAll()
        skipped = nil
        streamOffset = offset
    }
}
