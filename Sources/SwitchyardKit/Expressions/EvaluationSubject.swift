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
    /// The last path's number (``PathNumbers``) when a compiled condition looked it up: the
    /// next one that reads the same field knows it by the number alone.
    private var lastPathNumber: Int?
    /// Whether the last path's value is a string without escapes, and its bytes.
    private var lastContent = Content.unknown
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
    /// without building the string (in a built subject, the string is compared); nil when the
    /// answer needs the value (a value that is neither a string nor null, or a string with
    /// escapes): evaluate it then. `number` is the path's number when the caller has one;
    /// `path` is read only when the number is not the last one looked up.
    mutating func test(_ affix: Affix, _ literal: UnsafeBufferPointer<UInt8>, at path: @autoclosure () -> Path,
                       number: Int? = nil) -> Bool? {
        if let built {
            switch path().value(in: built) {
            case nil, .null?: return false
            case .string(let text)?: return affix.test(text, literal)
            default: return nil
            }
        }
        if number == nil || number != lastPathNumber {
            _ = range(of: path())
            lastPathNumber = number
        }
        guard let lastRange else { return false }  // absent: null, which no affix test holds for
        return text.withUnsafeBufferPointer { bytes -> Bool? in
            if case .unknown = lastContent { lastContent = Content(of: lastRange, in: bytes) }
            guard case .plain(let content) = lastContent else { return nil }
            return affix.test(UnsafeBufferPointer(rebasing: bytes[content]), literal)
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
        lastPathNumber = nil
        lastContent = .unknown
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

extension EvaluationSubject {
    /// What a value in the text is, for comparing its bytes.
    private enum Content {
        case unknown
        /// A string without escapes: its bytes, quotes excluded.
        case plain(Range<Int>)
        /// Anything else: an escape may spell a string's bytes differently, so the value decides.
        case other

        /// What the value at `range` of `bytes` is.
        init(of range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) {
            guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\"") else {
                self = .other
                return
            }
            let content = range.lowerBound + 1..<range.upperBound - 1
            self = bytes[content].contains(UInt8(ascii: "\\")) ? .other : .plain(content)
        }
    }
}

extension Event {
    /// What expressions read for this event: the built value if there is one, else the text.
    var evaluationSubject: EvaluationSubject {
        if let (text, uniqueKeys, _) = unparsedText { return .text(text, uniqueKeys: uniqueKeys) }
        return .value(value)
    }
}
