/// Byte searches eight bytes at a time in a 64-bit word ("SIMD within a register"), for the
/// JSON scanners' inner loops: most strings in events are short, where a call to `memchr`
/// costs more than the scan itself.
///
/// Each mask has the high bit set in the bytes that match. Only the lowest set byte is exact
/// (a borrow can mark a byte above a true match), which is all the scanners use: they act
/// on the first match and scan again after it.
enum WordScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `offset` (which must leave eight bytes in `bytes`), first byte lowest.
    @inline(__always)
    static func load(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
    }

    /// Bytes that are zero.
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highBits
    }

    /// Bytes equal to `byte`.
    @inline(__always)
    static func bytes(_ word: UInt64, equalTo byte: UInt8) -> UInt64 {
        zeroBytes(word ^ (ones &* UInt64(byte)))
    }

    /// Bytes below `limit` (which must be at most 0x80); bytes of 0x80 or more are never marked.
    @inline(__always)
    static func bytes(_ word: UInt64, below limit: UInt8) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highBits
    }

    /// The index (0-7) of the first marked byte of a non-zero mask.
    @inline(__always)
    static func firstIndex(_ mask: UInt64) -> Int {
        mask.trailingZeroBitCount >> 3
    }
}

extension WordScan {
    /// Scans a JSON string's plain bytes from `start` (just past the opening quote) to the
    /// first `"`, `\` or control byte, or the end of `bytes`: where that is, and whether a
    /// byte of 0x80 or more came before it.
    @inline(__always)
    static func plainStringBytes(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (stop: Int, hasNonASCII: Bool) {
        var position = start
        var hasNonASCII = false
        let count = bytes.count
        while position < count {
            // Eight plain ASCII bytes at a time; the first byte that needs a look is handled below.
            if position + 8 <= count {
                let word = load(bytes, position)
                let mask = Self.bytes(word, equalTo: UInt8(ascii: "\"")) | Self.bytes(word, equalTo: UInt8(ascii: "\\"))
                    | Self.bytes(word, below: 0x20) | word & highBits
                if mask == 0 {
                    position += 8
                    continue
                }
                position += firstIndex(mask)
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { hasNonASCII = true }
            position += 1
        }
        return (position, hasNonASCII)
    }
}

extension UInt64 {
    /// The bits rotated left by `count` (0-63).
    @inline(__always)
    func rotated(by count: UInt64) -> UInt64 {
        self << count | self >> (64 - count)
    }
}
