/// The names of an object's members as a Bloom filter of 128 bits, two per key, set from a
/// hash of the key's bytes as written (quotes included).
///
/// The line validator builds one per object to spot repeated keys; it hands the root
/// object's filter on with the event. A name whose bits are not all set is then certainly not
/// a key of the root, which is what a remap adding a field must know: it inserts the member
/// without reading the event's members. ``unknown`` (every bit set) knows nothing.
struct KeyFilter: Sendable, Equatable {
    private var low: UInt64
    private var high: UInt64

    /// Knows nothing: every name may be a key.
    static let unknown = KeyFilter(low: ~0, high: ~0)
    /// No key at all.
    static let empty = KeyFilter(low: 0, high: 0)

    private init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// The two bits of a key whose bytes hash to `hash` (``hash(ofKey:in:)``).
    @inline(__always)
    init(hash: UInt64) {
        self = .empty
        set(bit: hash >> 57)
        set(bit: hash >> 50 & 127)
    }

    @inline(__always)
    private mutating func set(bit index: UInt64) {
        if index < 64 { low |= 1 << index } else { high |= 1 << (index - 64) }
    }

    /// The bits of `name` as a key, when JSON text can spell it only one way without escapes
    /// (printable ASCII other than `"` and `\`); nil for any other name, which text could also
    /// spell with escapes the filter would not recognise.
    init?(name: String) {
        guard name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        let quoted = Array("\"\(name)\"".utf8)
        self.init(hash: quoted.withUnsafeBufferPointer { Self.hash(ofKey: 0..<$0.count, in: $0) })
    }

    /// Whether every bit of `other` is set here: false proves that none of `other`'s keys is here.
    @inline(__always)
    func contains(_ other: KeyFilter) -> Bool {
        low & other.low == other.low && high & other.high == other.high
    }

    /// Sets the bits of `other`.
    @inline(__always)
    mutating func insert(_ other: KeyFilter) {
        low |= other.low
        high |= other.high
    }

    /// A hash of a key's bytes (quotes included): its first and last eight bytes and its length.
    @inline(__always)
    static func hash(ofKey key: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var word: UInt64
        let count = key.upperBound - key.lowerBound
        if count >= 8 {
            word = WordScan.load(bytes, key.lowerBound) ^ WordScan.load(bytes, key.upperBound - 8).rotated(by: 29)
        } else if count > 0, key.lowerBound + 8 <= bytes.count {
            // The same word as the loop below, in one load: the key's bytes, first byte lowest.
            word = WordScan.load(bytes, key.lowerBound) & UInt64.max >> (64 - 8 * UInt64(count))
        } else {
            word = 0
            for index in key.reversed() { word = word << 8 | UInt64(bytes[index]) }
        }
        word ^= UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15
        word = (word ^ word >> 31) &* 0xBF58_476D_1CE4_E5B9
        return word ^ word >> 29
    }
}
