/// Remaps that add fields to the root (`.env = "prod"`, the most common edit of all) must know
/// the field is not there yet, which used to mean reading every member of the root, large
/// nested values included. Events read from lines carry their root keys as a ``KeyFilter``
/// (built by the validator, which hashes every key anyway); when it proves a name absent,
/// the new member goes before the closing brace with no scan, and the edited event's filter
/// gains the name, so the next remap in a chain knows too.
extension RemapByteProgram {
    /// The filters of a step's paths that are one field long.
    static func rootKeys(_ step: Step) -> (to: KeyFilter?, from: KeyFilter?) {
        func filter(_ path: [String]) -> KeyFilter? { path.count == 1 ? KeyFilter(name: path[0]) : nil }
        switch step {
        case .set(let to, _): return (filter(to), nil)
        case .copy(let to, let from), .move(let to, let from): return (filter(to), filter(from))
        case .remove(let path): return (nil, filter(path))
        }
    }

    /// The root keys the steps may add (``KeyFilter/unknown`` when one of them is a name no
    /// filter holds).
    static func addedRootKeys(_ steps: [Step]) -> KeyFilter {
        var added = KeyFilter.empty
        for step in steps {
            switch step {
            case .set(let to, _), .copy(let to, _), .move(let to, _):
                guard to.count == 1 else { continue }
                guard let keys = KeyFilter(name: to[0]) else { return .unknown }
                added.insert(keys)
            case .remove:
                continue
            }
        }
        return added
    }

    /// `,"a":1,"b":"x"` for a program made only of root fields set to constants (each name
    /// once, each a name a filter holds); nil for any other program.
    static func rootMembers(_ steps: [Step]) -> [UInt8]? {
        var members: [UInt8] = []
        var names: Set<String> = []
        for step in steps {
            guard case .set(let to, let json) = step, to.count == 1, KeyFilter(name: to[0]) != nil,
                  names.insert(to[0]).inserted
            else { return nil }
            members.append(UInt8(ascii: ","))
            JSONWriter.writeString(to[0], into: &members)
            members.append(UInt8(ascii: ":"))
            members += json
        }
        return members
    }

    /// Puts ``rootMembers`` before the root's closing brace, when the program is of that kind
    /// and `rootKeys` proves none of its names present; false (text unchanged) otherwise.
    ///
    /// Text that starts a buffer is most likely an earlier edit's, owned by this event alone:
    /// the members go in place when it has room (a chain of remaps then copies the event once,
    /// not once per stage). Text in the middle of a buffer (a slice of a 1 MiB read) is copied
    /// out, with room for more.
    func appendRootMembers(to text: inout ArraySlice<UInt8>, rootKeys: KeyFilter) -> Bool {
        guard let rootMembers, self.rootKeys.allSatisfy({ !rootKeys.contains($0.to!) }),
              let (open, close) = text.withUnsafeBufferPointer(Self.rootBraces)
        else { return false }
        // An empty object takes the first member without its comma.
        let members = text.withUnsafeBufferPointer { JSONPathScanner.skipWhitespace($0, open + 1) } == close
            ? rootMembers.dropFirst() : rootMembers[...]
        let at = text.startIndex + close
        if text.startIndex == 0 {
            text.insert(contentsOf: members, at: at)
            return true
        }
        var copy: [UInt8] = []
        copy.reserveCapacity(text.count + members.count + Self.roomForMoreMembers)
        copy += text[..<at]
        copy += members
        copy += text[at...]
        text = copy[...]
        return true
    }

    /// Bytes left free after an event's text when a remap copies it out: enough for a few
    /// more added fields in place.
    static let roomForMoreMembers = 64

    /// The root object's opening and closing braces, or nil when the text is not an object.
    static func rootBraces(in bytes: UnsafeBufferPointer<UInt8>) -> (open: Int, close: Int)? {
        let open = JSONPathScanner.skipWhitespace(bytes, 0)
        var close = bytes.count - 1
        while close > open, JSONPathScanner.isWhitespace(bytes[close]) { close -= 1 }
        guard close > open, bytes[open] == UInt8(ascii: "{"), bytes[close] == UInt8(ascii: "}") else { return nil }
        return (open, close)
    }
}
