/// The event an expression reads: a built value, or checked JSON text read field by field.
///
/// A struct of plain fields rather than an enum with payloads, so that a lookup reads and
/// updates its memory in place (no copy of the payload, and its retains, per lookup).
struct EvaluationSubject {
    /// The built value; when nil, the text is read.
    private var built: JSONValue?
    /// Valid JSON text: paths are found with ``JSONPathScanner`` without building the tree.
    private let text: ArraySlice<UInt8>
    /// No object in the text repeats a key (lookups stop at the first match).
    private let uniqueKeys: Bool
    /// The last path looked up in the text and where its value is (nil: absent): a condition
    /// often reads the same field twice (`.state =~ "^[0-9]+$" && to_number(.state) > 20`),
    /// and a `route`'s conditions read the same field in turn.
    private var lastPath: Path?
    private var lastRange: Range<Int>?
    /// The last path whose value was built, and that value.
    private var valuePath: Path?
    private var value: JSONValue?
    /// The last path's parent, and where its value starts: the next lookup of a sibling
    /// (`.data.entity_id`, then `.data.new_state.state`) starts there.
    private var parentSegments: ArraySlice<Path.Segment> = []
    private var parentStart: Int?

    private init(built: JSONValue?, text: ArraySlice<UInt8>, uniqueKeys: Bool) {
        self.built = built
        self.text = text
        self.uniqueKeys = uniqueKeys
    }

    /// A subject that is a built value.
    static func value(_ value: JSONValue) -> EvaluationSubject {
        EvaluationSubject(built: value, text: [], uniqueKeys: false)
    }

    /// A subject read from checked JSON text.
    static func text(_ text: ArraySlice<UInt8>, uniqueKeys: Bool) -> EvaluationSubject {
        EvaluationSubject(built: nil, text: text, uniqueKeys: uniqueKeys)
    }

    /// The value at `path`, or nil when the path does not exist.
    mutating func lookup(_ path: Path) -> JSONValue? {
        if let built { return path.value(in: built) }
        if valuePath == path { return value }
        let found = range(of: path).flatMap { range in
            text.withUnsafeBufferPointer { try? JSONParser().parse(buffer: UnsafeBufferPointer(rebasing: $0[range])) }
        }
        valuePath = path
        value = found
        return found
    }

    /// Whether the value at `path` starts (or ends) with `literal`, compared in the text
    /// without building the string; nil when the answer needs the value (a built subject, a
    /// value that is not a string, or one with escapes): evaluate it then.
    mutating func test(_ affix: Affix, _ literal: [UInt8], at path: Path) -> Bool? {
        guard built == nil else { return nil }
        guard let range = range(of: path) else { return false }  // absent: null, which no affix test holds for
        return text.withUnsafeBufferPointer { bytes -> Bool? in
            guard bytes[range.lowerBound] == UInt8(ascii: "\""), range.count >= 2 else { return nil }
            let content = UnsafeBufferPointer(rebasing: bytes[range.lowerBound + 1..<range.upperBound - 1])
            // An escape may spell the string's bytes differently: the value decides then.
            guard content.firstIndex(of: UInt8(ascii: "\\")) == nil else { return nil }
            return affix.test(content, literal)
        }
    }

    /// Where the value at `path` is in the text, or nil when the path does not exist.
    private mutating func range(of path: Path) -> Range<Int>? {
        if lastPath == path { return lastRange }
        var segments = path.segments[...]
        var start: Int?
        if let parentStart, parentSegments.count < segments.count, segments.prefix(parentSegments.count).elementsEqual(parentSegments) {
            segments = segments.dropFirst(parentSegments.count)
            start = parentStart
        }
        let found = JSONPathScanner.range(of: segments, in: text, from: start, uniqueKeys: uniqueKeys)
        lastPath = path
        lastRange = found?.value
        if let found {
            parentSegments = path.segments.dropLast()
            parentStart = found.parentStart
        }
        return lastRange
    }

    /// Builds the whole value (for changes), keeping it from then on.
    mutating func materialize() -> JSONValue {
        if let built { return built }
        let value = JSONPathScanner.value(at: Path([]), in: text) ?? .null
        self = .value(value)
        return value
    }
}

extension Event {
    /// What expressions read for this event: the built value if there is one, else the text.
    var evaluationSubject: EvaluationSubject {
        if let (text, uniqueKeys, _) = unparsedText { return .text(text, uniqueKeys: uniqueKeys) }
        return .value(value)
    }
}
