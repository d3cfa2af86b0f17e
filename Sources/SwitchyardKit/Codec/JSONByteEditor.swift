/// Edits the JSON text of an object in place of building its tree: set a field, remove one,
/// read one's bytes. Every result is valid JSON when the input was (the pieces spliced are
/// whole members and whole values), and means what the tree operations would give
/// (``Path/set(_:in:)``, ``Path/remove(from:)``): a new key goes last in its object, an
/// existing one keeps its place, and when a key repeats the last one counts.
///
/// With `uniqueKeys` (no object of the text repeats a key, see
/// ``JSONParser/validateReportingKeys(buffer:)``) a member is taken at its first occurrence,
/// without scanning the rest of its object; the edits keep keys unique.
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
    static func value(at path: [String], in text: [UInt8], uniqueKeys: Bool) -> ArraySlice<UInt8>? {
        text.withUnsafeBufferPointer { bytes -> Range<Int>? in
            guard let parent = object(at: path.dropLast(), in: bytes, uniqueKeys: uniqueKeys),
                  let member = member(path.last!, in: bytes, objectAt: parent, uniqueKeys: uniqueKeys)
            else { return nil }
            return member.value
        }.map { text[$0] }
    }

    /// `text` with the member at `path` removed; `text` itself when it is not there (nor a
    /// parent on the way: there is nothing to remove).
    static func removing(_ path: [String], from text: [UInt8], uniqueKeys: Bool) -> [UInt8] {
        let cut = text.withUnsafeBufferPointer { bytes -> Range<Int>? in
            guard let parent = object(at: path.dropLast(), in: bytes, uniqueKeys: uniqueKeys) else { return nil }
            return member(path.last!, in: bytes, objectAt: parent, uniqueKeys: uniqueKeys)?.cut
        }
        guard let cut else { return text }
        var result = text
        result.removeSubrange(cut)
        return result
    }

    /// `text` with the value at `path` set to `value` (JSON bytes), or nil when its parent is
    /// missing or not an object (the tree would create or refuse it).
    static func setting(_ path: [String], to value: [UInt8], in text: [UInt8], uniqueKeys: Bool) -> [UInt8]? {
        let edit = text.withUnsafeBufferPointer { bytes -> Edit? in
            guard let parent = object(at: path.dropLast(), in: bytes, uniqueKeys: uniqueKeys) else { return nil }
            let scan = scan(parent, in: bytes, for: path.last!, uniqueKeys: uniqueKeys)
            if let existing = scan.found { return .replace(existing.value) }
            return .insert(at: scan.close, empty: scan.count == 0)
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
    static func object(at path: ArraySlice<String>, in bytes: UnsafeBufferPointer<UInt8>, uniqueKeys: Bool) -> Int? {
        var position = JSONPathScanner.skipWhitespace(bytes, 0)
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return nil }
        for name in path {
            // Only the start of each value on the way is needed, not its end.
            guard let found = JSONPathScanner.member(name, in: bytes, objectAt: position, uniqueKeys: uniqueKeys),
                  bytes[found] == UInt8(ascii: "{")
            else { return nil }
            position = found
        }
        return position
    }

    /// The last member called `name` of the object starting at `start`.
    private static func member(_ name: String, in bytes: UnsafeBufferPointer<UInt8>, objectAt start: Int, uniqueKeys: Bool) -> Member? {
        scan(start, in: bytes, for: name, uniqueKeys: uniqueKeys).found
    }

    /// What one pass over an object's members tells.
    struct ObjectScan {
        /// The last member with the wanted name.
        var found: Member?
        /// How many members the object has, and its closing brace: known when a wanted name was
        /// not found (with unique keys the scan stops once it has found what it wants).
        var count = 0
        var close = 0
    }

    /// One pass over the members of the object starting at `start`, looking for `name`.
    static func scan(_ start: Int, in bytes: UnsafeBufferPointer<UInt8>, for name: String, uniqueKeys: Bool) -> ObjectScan {
        var result = ObjectScan()
        var name = name
        return name.withUTF8 { wanted in
            let end = walkMembers(of: start, in: bytes) { key, escaped, member in
                guard JSONPathScanner.keyMatches(key, wanted, escaped: escaped) else { return true }
                result.found = member
                return !uniqueKeys
            }
            if let end { (result.count, result.close) = end }
            return result
        }
    }

    /// Every member of the object starting at `start`, in one pass: its key's bytes (without
    /// quotes) and where it is; with its closing brace.
    static func members(of start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (members: [(key: Range<Int>, member: Member)], close: Int) {
        var members: [(key: Range<Int>, member: Member)] = []
        members.reserveCapacity(16)
        let end = walkMembers(of: start, in: bytes) { key, _, member in
            members.append((member.keyStart + 1..<member.keyStart + 1 + key.count, member))
            return true
        }
        return (members, end?.close ?? start)
    }

    /// Calls `body` with each member of the object starting at `start` (its key's bytes without
    /// quotes, whether it has a backslash, and where it is) until `body` returns false; returns
    /// the member count and the closing brace, or nil when stopped.
    private static func walkMembers(of start: Int, in bytes: UnsafeBufferPointer<UInt8>,
                                    _ body: (UnsafeBufferPointer<UInt8>, Bool, Member) -> Bool) -> (count: Int, close: Int)? {
        var position = JSONPathScanner.skipWhitespace(bytes, start + 1)
        if bytes[position] == UInt8(ascii: "}") { return (0, position) }
        var previousValueEnd: Int?
        var count = 0
        while true {
            let keyStart = position
            var escaped = false
            let keyEnd = JSONPathScanner.skipString(bytes, position, escaped: &escaped) - 1
            let valueStart = JSONPathScanner.skipWhitespace(bytes, JSONPathScanner.skipWhitespace(bytes, keyEnd + 1) + 1)
            let valueEnd = JSONPathScanner.skipValue(bytes, valueStart)
            let next = JSONPathScanner.skipWhitespace(bytes, valueEnd)
            let isLast = bytes[next] == UInt8(ascii: "}")
            // Cut the member and the comma after it; the last member takes the comma before it.
            let cut: Range<Int> = if !isLast {
                keyStart..<JSONPathScanner.skipWhitespace(bytes, next + 1)
            } else if let previousValueEnd {
                previousValueEnd..<valueEnd
            } else {
                keyStart..<valueEnd
            }
            count += 1
            let member = Member(keyStart: keyStart, value: valueStart..<valueEnd, cut: cut)
            guard body(UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<keyEnd]), escaped, member) else { return nil }
            if isLast { return (count, next) }
            previousValueEnd = valueEnd
            position = JSONPathScanner.skipWhitespace(bytes, next + 1)
        }
    }
}
