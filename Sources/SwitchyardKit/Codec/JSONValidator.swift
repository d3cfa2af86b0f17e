#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks JSON text without building anything: how sources accept lines cheaply.
///
/// The same grammar as ``JSONByteReader`` (strict RFC 8259, valid UTF-8, the nesting
/// limit), but it only answers valid or not: no value is returned at any level, and a
/// number's digits are not accumulated. When it says "not valid", ``JSONParser`` runs the
/// reader over the text for the error and its offset, so the messages stay the reader's.
/// Strings with escapes (rare in events) are read by the reader too.
///
/// It also notes every object's keys, to tell whether any object repeats one, and keeps
/// the root object's keys as a ``KeyFilter``.
struct JSONValidator {
    /// The text is not valid JSON (the reader says where and why).
    struct Invalid: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var position = 0
    /// False once an object repeats a key (or has a key with an escape, which may spell a
    /// repeat differently).
    var keysAreUnique = true
    /// The keys of the root object (valid while ``keysAreUnique``: every key was noted);
    /// ``KeyFilter/unknown`` when the text is not an object.
    var rootKeys = KeyFilter.unknown
    /// Whether the last string checked had an escape.
    private var lastStringHadEscape = false

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// Checks the whole text: one value with optional white space around it.
    mutating func validate() throws(Invalid) {
        skipWhitespace()
        try value(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw Invalid() }
    }

    private mutating func skipWhitespace() {
        position = JSONPathScanner.skipWhitespace(bytes, position)
    }

    private mutating func value(depth: Int) throws(Invalid) {
        guard position < bytes.count else { throw Invalid() }
        switch bytes[position] {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw Invalid()
        }
    }

    private mutating func literal(_ literal: StaticString) throws(Invalid) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count,
            memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0
        else { throw Invalid() }
        position += count
    }

    private mutating func object(depth: Int) throws(Invalid) {
        guard depth <= maximumDepth else { throw Invalid() }
        let objectStart = position
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            if depth == 1 { rootKeys = .empty }
            return
        }
        // Keys seen in this object: a key whose bits are all set already goes to the exact check.
        var keyBits = KeyFilter.empty
        var exactChecks = 0
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw Invalid() }
            let keyStart = position
            try string()
            if keysAreUnique {
                noteKey(keyStart..<position, objectAt: objectStart, seen: &keyBits, exactChecks: &exactChecks)
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw Invalid() }
            position += 1
            skipWhitespace()
            try value(depth: depth)
            if try !next(closing: UInt8(ascii: "}")) {
                if depth == 1 { rootKeys = keyBits }
                return
            }
        }
    }

    /// After a member or an element: true past a `,` (another follows), false past `closing`.
    @inline(__always)
    private mutating func next(closing: UInt8) throws(Invalid) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw Invalid() }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        throw Invalid()
    }

    /// Records the key (with its quotes) at `key` of the object starting at `objectStart`;
    /// clears ``keysAreUnique`` if an earlier key of the object has the same bytes.
    ///
    /// An object with so many keys that the filter saturates would make the exact checks
    /// quadratic (a hostile line of 100k keys): after 16 of them in one object the answer is
    /// "not known to be unique", which only costs lookups their early stop.
    @inline(__always)
    private mutating func noteKey(_ key: Range<Int>, objectAt objectStart: Int, seen: inout KeyFilter, exactChecks: inout Int) {
        if lastStringHadEscape {
            keysAreUnique = false
            return
        }
        let bits = KeyFilter(hash: KeyFilter.hash(ofKey: key, in: bytes))
        let repeatsBits = seen.contains(bits)
        seen.insert(bits)
        if repeatsBits { checkRepeat(of: key, objectAt: objectStart, exactChecks: &exactChecks) }
    }

    /// The rare part of ``noteKey(_:objectAt:seen:exactChecks:)``, kept out of line so that
    /// the common part inlines into the object walk: the key's bits were all set already.
    @inline(never)
    private mutating func checkRepeat(of key: Range<Int>, objectAt objectStart: Int, exactChecks: inout Int) {
        exactChecks += 1
        guard exactChecks <= 16 else {
            keysAreUnique = false
            return
        }
        // The object's earlier members are valid text: walk their keys.
        var position = JSONPathScanner.skipWhitespace(bytes, objectStart + 1)
        while position < key.lowerBound {
            let end = JSONPathScanner.skipString(bytes, position)
            if end - position == key.count, memcmp(bytes.baseAddress! + position, bytes.baseAddress! + key.lowerBound, key.count) == 0 {
                keysAreUnique = false
                return
            }
            let value = JSONPathScanner.skipWhitespace(bytes, JSONPathScanner.skipWhitespace(bytes, end) + 1)
            position = JSONPathScanner.skipWhitespace(bytes, JSONPathScanner.skipValue(bytes, value))
            position = JSONPathScanner.skipWhitespace(bytes, position + 1)  // past ','
        }
    }

    private mutating func array(depth: Int) throws(Invalid) {
        guard depth <= maximumDepth else { throw Invalid() }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try value(depth: depth)
            if try !next(closing: UInt8(ascii: "]")) { return }
        }
    }

    /// Checks a string starting at its opening quote: eight plain ASCII bytes at a time, the
    /// rest byte by byte; a string with an escape is handed to the reader.
    @inline(__always)
    private mutating func string() throws(Invalid) {
        let open = position
        position += 1
        let start = position
        let (stop, hasNonASCII) = WordScan.plainStringBytes(bytes, from: start)
        position = stop
        guard position < bytes.count, bytes[position] >= 0x20 else { throw Invalid() }
        if bytes[position] == UInt8(ascii: "\\") {
            lastStringHadEscape = true
            try escapedString(from: open)
            return
        }
        lastStringHadEscape = false
        if hasNonASCII, UTF8Validation.firstInvalidByte(in: UnsafeBufferPointer(rebasing: bytes[start..<position])) != nil {
            throw Invalid()
        }
        position += 1
    }

    /// A string with an escape, read by the reader (which checks escapes and surrogates).
    private mutating func escapedString(from open: Int) throws(Invalid) {
        var reader = JSONByteReader(bytes: bytes, maximumDepth: maximumDepth)
        reader.position = open
        do {
            _ = try reader.readString()
        } catch {
            throw Invalid()
        }
        position = reader.position
    }

    private mutating func number() throws(Invalid) {
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, JSONByteReader.isDigit(bytes[position]) else { throw Invalid() }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, JSONByteReader.isDigit(bytes[position]) { throw Invalid() }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, JSONByteReader.isDigit(bytes[position]) else { throw Invalid() }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, JSONByteReader.isDigit(bytes[position]) else { throw Invalid() }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, JSONByteReader.isDigit(bytes[position]) { position += 1 }
    }
}
