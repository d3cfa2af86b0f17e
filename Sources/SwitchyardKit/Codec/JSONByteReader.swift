#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cursor behind ``JSONParser``: reads values from a byte buffer.
///
/// With `buildsValues` false it only checks the text (same grammar, same errors)
/// and allocates nothing: that is how sources accept JSON lines cheaply and
/// leave building the value to the first stage that reads it.
struct JSONByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    let buildsValues: Bool
    var position = 0
    /// When only checking: false once an object repeats a key (or has a key with an escape,
    /// which may spell a repeat differently).
    var keysAreUnique = true
    /// When only checking: the keys of the root object (valid while ``keysAreUnique``: every
    /// key was noted); ``KeyFilter/unknown`` when the text is not an object.
    var rootKeys = KeyFilter.unknown
    /// Whether the last string read had an escape.
    private var lastStringHadEscape = false

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, buildsValues: Bool = true) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.buildsValues = buildsValues
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw error("unexpected character \(Self.describe(bytes[position])), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("invalid literal, expected \(literal)") }
        let start = literal.utf8Start
        for index in 0..<count where bytes[position + index] != start[index] {
            throw error("invalid literal, expected \(literal)", at: position + index)
        }
        position += count
    }

    private mutating func readObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        let objectStart = position
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            if depth == 1 { rootKeys = .empty }
            return .object(object)
        }
        // Keys seen in this object: a key whose bits are all set already goes to the exact check.
        var keyBits = KeyFilter.empty
        var exactChecks = 0
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error(position < bytes.count ? "expected a string key" : "unexpected end of input in an object")
            }
            let keyStart = position
            let key = try readString()
            if !buildsValues, keysAreUnique {
                noteKey(keyStart..<position, objectAt: objectStart, seen: &keyBits, exactChecks: &exactChecks)
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after an object key")
            }
            position += 1
            skipWhitespace()
            let value = try readValue(depth: depth)
            if buildsValues { object.appendUnchecked(key: key, value: value) }
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input in an object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                if depth == 1 { rootKeys = keyBits }
                return .object(object)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    /// Records the key (with its quotes) at `key` of the object starting at `objectStart`;
    /// clears ``keysAreUnique`` if an earlier key of the object has the same bytes.
    ///
    /// An object with so many keys that the filter saturates would make the exact checks
    /// quadratic (a hostile line of 100k keys): after 16 of them in one object the answer is
    /// "not known to be unique", which only costs lookups their early stop.
    private mutating func noteKey(_ key: Range<Int>, objectAt objectStart: Int, seen: inout KeyFilter, exactChecks: inout Int) {
        if lastStringHadEscape {
            keysAreUnique = false
            return
        }
        let bits = KeyFilter(hash: KeyFilter.hash(ofKey: key, in: bytes))
        let repeatsBits = seen.contains(bits)
        seen.insert(bits)
        guard repeatsBits else { return }
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

    private mutating func readArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            let element = try readValue(depth: depth)
            if buildsValues { elements.append(element) }
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input in an array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    /// Reads a string starting at its opening quote.
    mutating func readString() throws(JSONParseError) -> String {
        let open = position
        position += 1
        let start = position
        // Fast path: no escapes, plain bytes up to the closing quote.
        var hasEscape = false
        var hasNonASCII = false
        let count = bytes.count
        while position < count {
            // Eight plain ASCII bytes at a time; the first byte that needs a look is handled below.
            if position + 8 <= count {
                let word = WordScan.load(bytes, position)
                let mask = WordScan.bytes(word, equalTo: UInt8(ascii: "\"")) | WordScan.bytes(word, equalTo: UInt8(ascii: "\\"))
                    | WordScan.bytes(word, below: 0x20) | word & WordScan.highBits
                if mask == 0 {
                    position += 8
                    continue
                }
                position += WordScan.firstIndex(mask)
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") { hasEscape = true; break }
            if byte < 0x20 { throw error("control character in a string") }
            if byte >= 0x80 { hasNonASCII = true }
            position += 1
        }
        guard position < bytes.count else { throw error("unterminated string", at: open) }
        lastStringHadEscape = hasEscape
        if !hasEscape {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
            position += 1
            if hasNonASCII, let invalid = UTF8Validation.firstInvalidByte(in: slice) {
                throw error("invalid UTF-8 in a string", at: start + invalid)
            }
            return buildsValues ? String(decoding: slice, as: UTF8.self) : ""
        }
        return try readEscapedString(from: start)
    }

    private mutating func readEscapedString(from start: Int) throws(JSONParseError) -> String {
        var scratch: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                if let invalid = scratch.withUnsafeBufferPointer({ UTF8Validation.firstInvalidByte(in: $0) }) {
                    throw error("invalid UTF-8 in a string", at: start + invalid)
                }
                return buildsValues ? String(decoding: scratch, as: UTF8.self) : ""
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw error("unterminated escape") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &scratch)
                default: throw error("invalid escape \\\(Self.describe(escape))", at: position - 1)
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                scratch.append(byte)
                position += 1
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func appendUnicodeEscape(to scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position - 2
        var scalar = try readHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate in \\u escape", at: escapeStart) }
            position += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error("unpaired surrogate in \\u escape", at: escapeStart)
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("unpaired surrogate in \\u escape", at: escapeStart)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: escapeStart) }
        scratch.append(contentsOf: UTF8.encode(unicode)!)
    }

    private mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("expected a digit") }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, Self.isDigit(bytes[position]) { throw error("leading zero in a number") }
        } else {
            while position < bytes.count, Self.isDigit(bytes[position]) {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = sum
                position += 1
            }
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("expected a digit after '.'") }
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw error("expected a digit in the exponent") }
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        }
        guard buildsValues else { return .null }
        if isInteger, !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if !isInteger, let double = Double(text), double.isFinite, !(double == 0 && Self.hasNonZeroDigit(text)) {
            return .double(double)
        }
        return .number(text)
    }

    /// Whether a number literal has a non-zero mantissa digit (to tell a real zero from an underflow).
    private static func hasNonZeroDigit(_ text: String) -> Bool {
        for byte in text.utf8 {
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { return false }
            if byte >= UInt8(ascii: "1"), byte <= UInt8(ascii: "9") { return true }
        }
        return false
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }
}
