import SwitchyardKit

/// What a keyed stage remembers of a key: 128 bits of two seeded SipHash digests of its
/// JSON text, so that remembering a key costs 16 bytes however large its value is. The seed is
/// random per process, so a sender cannot craft keys that collide; by chance, two of a million
/// keys collide with a probability below 10^-26.
struct KeyDigest: Hashable {
    private let high: UInt64
    private let low: UInt64

    /// The digest of `value` (a string as its characters, anything else as its JSON text).
    init(_ value: JSONValue) {
        if case .string(var text) = value {
            (high, low) = text.withUTF8 { Self.digest(UnsafeRawBufferPointer($0)) }  // no copy of the text
        } else {
            var bytes: [UInt8] = [0]  // no JSON text starts with NUL: a value never digests like a string
            JSONWriter.write(value, into: &bytes)
            (high, low) = bytes.withUnsafeBytes(Self.digest)
        }
    }

    private static func digest(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var first = Hasher(), second = Hasher()
        first.combine(UInt8(1))
        second.combine(UInt8(2))
        first.combine(bytes: raw)
        second.combine(bytes: raw)
        return (UInt64(bitPattern: Int64(first.finalize())), UInt64(bitPattern: Int64(second.finalize())))
    }
}
