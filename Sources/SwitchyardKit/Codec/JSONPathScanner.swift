#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the value at a path inside JSON text without building the rest of the tree.
///
/// The text must already be valid (``JSONParser/validate(buffer:)``): the
/// scanner skips over members it does not need with a cheap byte scan and
/// parses only the value it was asked for. A filter that reads two fields of a
/// 500-byte event reads those two, not all thirty.
enum JSONPathScanner {
    /// The value at `path` in `text`, or nil when the path does not exist.
    static func value(at path: Path, in text: ArraySlice<UInt8>) -> JSONValue? {
        text.withUnsafeBufferPointer { buffer in
            guard let range = range(of: path, in: buffer) else { return nil }
            return try? JSONParser().parse(buffer: UnsafeBufferPointer(rebasing: buffer[range]))
        }
    }

    /// The byte range (from the text's start) of the value at `segments` below the value
    /// starting at `start` (the whole text when nil), and where the value holding it starts
    /// (for a later lookup of a sibling). With `uniqueKeys` (no object repeats a key) the
    /// first member with a name is taken without scanning the rest of its object.
    static func range(of segments: ArraySlice<Path.Segment>, in text: ArraySlice<UInt8>, from start: Int?, uniqueKeys: Bool)
        -> (value: Range<Int>, parentStart: Int)?
    {
        text.withUnsafeBufferPointer { buffer in
            range(of: segments, in: buffer, from: start ?? skipWhitespace(buffer, 0), uniqueKeys: uniqueKeys)
        }
    }

    /// The byte range of the value at `path`.
    static func range(of path: Path, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        range(of: path.segments[...], in: bytes, from: skipWhitespace(bytes, 0), uniqueKeys: false)?.value
    }

    /// The byte range of the value at `segments` below the value starting at `start`, and the
    /// start of its parent's value.
    private static func range(of segments: ArraySlice<Path.Segment>, in bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                              uniqueKeys: Bool) -> (value: Range<Int>, parentStart: Int)?
    {
        var position = start
        var parent = start
        for segment in segments {
            guard position < bytes.count else { return nil }
            parent = position
            switch segment {
            case .field(let name):
                guard bytes[position] == UInt8(ascii: "{"), let found = member(name, in: bytes, objectAt: position, uniqueKeys: uniqueKeys)
                else { return nil }
                position = found
            case .index(let index):
                guard bytes[position] == UInt8(ascii: "["), let found = element(index, in: bytes, arrayAt: position) else { return nil }
                position = found
            }
        }
        guard position < bytes.count else { return nil }
        return (position..<skipValue(bytes, position), parent)
    }

    /// The start of member `name`'s value in the object starting at `start` (its last
    /// occurrence; the first when keys are unique).
    static func member(_ name: String, in bytes: UnsafeBufferPointer<UInt8>, objectAt start: Int, uniqueKeys: Bool) -> Int? {
        var position = skipWhitespace(bytes, start + 1)
        if bytes[position] == UInt8(ascii: "}") { return nil }
        var found: Int?
        var name = name
        return name.withUTF8 { wanted in
            while true {
                let keyStart = position + 1
                var escaped = false
                let keyEnd = skipString(bytes, position, escaped: &escaped) - 1
                let matches = keyMatches(UnsafeBufferPointer(rebasing: bytes[keyStart..<keyEnd]), wanted, escaped: escaped)
                position = skipWhitespace(bytes, keyEnd + 1) + 1  // past ':'
                position = skipWhitespace(bytes, position)
                // The last occurrence wins if a key repeats, as in the parser's objects.
                if matches {
                    if uniqueKeys { return position }
                    found = position
                }
                position = skipWhitespace(bytes, skipValue(bytes, position))
                if bytes[position] == UInt8(ascii: "}") { return found }
                position = skipWhitespace(bytes, position + 1)  // past ','
            }
        }
    }

    /// Compares a raw key (perhaps with escapes) with a wanted name.
    static func keyMatches(_ raw: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        keyMatches(raw, wanted, escaped: raw.firstIndex(of: UInt8(ascii: "\\")) != nil)
    }

    /// Compares a raw key with a wanted name, knowing whether the key has a backslash (as
    /// ``skipString(_:_:escaped:)`` tells): without one, its bytes are its name.
    @inline(__always)
    static func keyMatches(_ raw: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>, escaped: Bool) -> Bool {
        guard escaped else {
            return raw.count == wanted.count
                && (raw.count == 0 || raw[0] == wanted[0] && memcmp(raw.baseAddress!, wanted.baseAddress!, raw.count) == 0)
        }
        return escapedKeyMatches(raw, wanted)
    }

    /// A key with escapes, decoded, against a wanted name.
    private static func escapedKeyMatches(_ raw: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        var quoted = [UInt8(ascii: "\"")] + Array(raw) + [UInt8(ascii: "\"")]
        guard case .string(let key)? = try? quoted.withUnsafeMutableBufferPointer({ try JSONParser().parse(buffer: UnsafeBufferPointer($0)) })
        else { return false }
        return Array(key.utf8) == Array(wanted)
    }

    /// The start of element `index` (negative: from the end) in the array starting at `start`.
    private static func element(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>, arrayAt start: Int) -> Int? {
        var position = skipWhitespace(bytes, start + 1)
        if bytes[position] == UInt8(ascii: "]") { return nil }
        var starts: [Int] = []
        while true {
            if index >= 0, starts.count == index { return position }
            starts.append(position)
            position = skipWhitespace(bytes, skipValue(bytes, position))
            if bytes[position] == UInt8(ascii: "]") { break }
            position = skipWhitespace(bytes, position + 1)
        }
        let resolved = index < 0 ? starts.count + index : index
        return resolved >= 0 && resolved < starts.count ? starts[resolved] : nil
    }

    static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var position = start
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return position
            }
        }
        return position
    }

    /// Whether `byte` is JSON white space.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The position just past the string that starts (with its quote) at `start`.
    static func skipString(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var escaped = false
        return skipString(bytes, start, escaped: &escaped)
    }

    /// The position just past the string that starts at `start`; sets `escaped` when the
    /// string has a backslash.
    @inline(__always)
    static func skipString(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, escaped: inout Bool) -> Int {
        var position = start + 1
        let count = bytes.count
        while true {
            while position + 8 <= count {
                let word = WordScan.load(bytes, position)
                let mask = WordScan.bytes(word, equalTo: UInt8(ascii: "\"")) | WordScan.bytes(word, equalTo: UInt8(ascii: "\\"))
                if mask != 0 {
                    position += WordScan.firstIndex(mask)
                    break
                }
                position += 8
            }
            guard position < count else { return count }
            switch bytes[position] {
            case UInt8(ascii: "\""): return position + 1
            case UInt8(ascii: "\\"):
                escaped = true
                position += 2
            default: position += 1
            }
        }
    }

    /// The position just past the value that starts at `start`.
    static func skipValue(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        switch bytes[start] {
        case UInt8(ascii: "\""): return skipString(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var position = start
            let count = bytes.count
            while position < count {
                // To the next quote or bracket, eight bytes at a time: with bit 5 set, '[' and
                // ']' read as '{' and '}', and no other byte does.
                while position + 8 <= count {
                    let word = WordScan.load(bytes, position)
                    let folded = word | WordScan.ones &* 0x20
                    let mask = WordScan.bytes(word, equalTo: UInt8(ascii: "\""))
                        | WordScan.bytes(folded, equalTo: UInt8(ascii: "{")) | WordScan.bytes(folded, equalTo: UInt8(ascii: "}"))
                    if mask != 0 {
                        position += WordScan.firstIndex(mask)
                        break
                    }
                    position += 8
                }
                guard position < count else { break }
                switch bytes[position] {
                case UInt8(ascii: "\""): position = skipString(bytes, position); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return position + 1 }
                default: break
                }
                position += 1
            }
            return position
        default:
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return position
                default: position += 1
                }
            }
            return position
        }
    }
}
