/// Edits the JSON text of an object in place of building its tree: set a field, remove one,
/// read one's bytes. Every result is valid JSON when the input was (the pieces spliced are
/// whole members and whole values), and means what the tree operations would give
/// (``Path/set(_:in:)``, ``Path/remove(from:)``): a new key goes last in its object, an
/// existing one keeps its place, and when a key repeats the last one counts.
///
/// Paths are fields only. When an edit needs more than splicing (a missing or non-object
/// parent, which the tree operations would create or refuse), the methods return nil and the
/// caller uses the tree instead.
enum JSONByteEditor {
    /// How a set changes the text.
    private enum Edit {
        case replace(Range<Int>)
        case insert(at: Int, empty: Bool)
    }

    /// Where a member is, in the text of its object.
    struct Member {
        /// Its key's opening quote.
        var keyStart: Int
        /// Its value.
        var value: Range<Int>
        /// Where the bytes to cut to remove it start and end (the member and one comma).
        var cut: Range<Int>
    }

    /// The bytes of the value at `path`, or nil when it does not exist.
    static func value(at path: [String], in text: [UInt8]) -> ArraySlice<UInt8>? {
        text.withUnsafeBufferPointer { bytes -> Range<Int>? in
            guard let parent = object(at: path.dropLast(), in: bytes), let member = member(path.last!, in: bytes, objectAt: parent)
            else { return nil }
            return member.value
        }.map { text[$0] }
    }

    /// `text` with the member at `path` removed; `text` itself when it is not there (nor a
    /// parent on the way: there is nothing to remove).
    static func removing(_ path: [String], from text: [UInt8]) -> [UInt8] {
        let cut = text.withUnsafeBufferPointer { bytes -> Range<Int>? in
            guard let parent = object(at: path.dropLast(), in: bytes) else { return nil }
            return member(path.last!, in: bytes, objectAt: parent)?.cut
        }
        guard let cut else { return text }
        var result = text
        result.removeSubrange(cut)
        return result
    }

    /// `text` with the value at `path` set to `value` (JSON bytes), or nil when its parent is
    /// missing or not an object (the tree would create or refuse it).
    static func setting(_ path: [String], to value: [UInt8], in text: [UInt8]) -> [UInt8]? {
        let edit = text.withUnsafeBufferPointer { bytes -> Edit? in
            guard let parent = object(at: path.dropLast(), in: bytes) else { return nil }
            if let existing = member(path.last!, in: bytes, objectAt: parent) { return .replace(existing.value) }
            let close = JSONPathScanner.skipValue(bytes, parent) - 1
            let empty = JSONPathScanner.skipWhitespace(bytes, parent + 1) == close
            return .insert(at: close, empty: empty)
        }
        switch edit {
        case nil:
            return nil
        case .replace(let range)?:
            var result = text
            result.replaceSubrange(range, with: value)
            return result
        case .insert(let position, let empty)?:
            var member: [UInt8] = empty ? [] : [UInt8(ascii: ",")]
            JSONWriter.writeString(path.last!, into: &member)
            member.append(UInt8(ascii: ":"))
            member.append(contentsOf: value)
            var result = text
            result.insert(contentsOf: member, at: position)
            return result
        }
    }

    /// The start (`{`) of the object at `path`, or nil when it is missing or not an object.
    private static func object(at path: ArraySlice<String>, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var position = JSONPathScanner.skipWhitespace(bytes, 0)
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return nil }
        for name in path {
            guard let found = member(name, in: bytes, objectAt: position), bytes[found.value.lowerBound] == UInt8(ascii: "{")
            else { return nil }
            position = found.value.lowerBound
        }
        return position
    }

    /// The last member called `name` of the object starting at `start`.
    private static func member(_ name: String, in bytes: UnsafeBufferPointer<UInt8>, objectAt start: Int) -> Member? {
        var position = JSONPathScanner.skipWhitespace(bytes, start + 1)
        if bytes[position] == UInt8(ascii: "}") { return nil }
        var found: Member?
        var previousValueEnd: Int?
        var name = name
        return name.withUTF8 { wanted in
            while true {
                let keyStart = position
                let keyEnd = JSONPathScanner.skipString(bytes, position) - 1
                let matches = JSONPathScanner.keyMatches(UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<keyEnd]), wanted)
                let valueStart = JSONPathScanner.skipWhitespace(bytes, JSONPathScanner.skipWhitespace(bytes, keyEnd + 1) + 1)
                let valueEnd = JSONPathScanner.skipValue(bytes, valueStart)
                let next = JSONPathScanner.skipWhitespace(bytes, valueEnd)
                let isLast = bytes[next] == UInt8(ascii: "}")
                if matches {
                    // Cut the member and the comma after it; the last member takes the comma before it.
                    let cut: Range<Int> = if !isLast {
                        keyStart..<JSONPathScanner.skipWhitespace(bytes, next + 1)
                    } else if let previousValueEnd {
                        previousValueEnd..<valueEnd
                    } else {
                        keyStart..<valueEnd
                    }
                    found = Member(keyStart: keyStart, value: valueStart..<valueEnd, cut: cut)
                }
                if isLast { return found }
                previousValueEnd = valueEnd
                position = JSONPathScanner.skipWhitespace(bytes, next + 1)
            }
        }
    }
}
