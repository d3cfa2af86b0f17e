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

    /// Whether the path exists (found in the text without building its value).
    mutating func contains(_ path: Path) -> Bool {
        if let built { return path.value(in: built) != nil }
        return range(of: path) != nil
    }

    /// Compares the string at `path` with `compare`, where it lies: in the text when it has
    /// no escapes (no `String` is built), or in a built value. An absent or null field gives
    /// false, a field of another type gives `other`; nil means the value must decide (a string
    /// with escapes, or `compare` gave nil): evaluate the expression then. `number` is the
    /// path's number when the caller has one; `path` is read only when the number is not the
    /// last one looked up.
    mutating func compareString(at path: @autoclosure () -> Path, number: Int? = nil, other: Bool?,
                                _ compare: (UnsafeBufferPointer<UInt8>) -> Bool?) -> Bool? {
        if let built {
            switch path().value(in: built) {
            case nil, .null?: return false
            case .string(var string)?: return string.withUTF8(compare)
            default: return other
            }
        }
        if number == nil || number != lastPathNumber {
            _ = range(of: path())
            lastPathNumber = number
        }
        guard let lastRange else { return false }
        return text.withUnsafeBufferPointer { bytes -> Bool? in
            if case .unknown = lastContent { lastContent = Content(of: lastRange, in: bytes) }
            switch lastContent {
            case .plain(let content): return compare(UnsafeBufferPointer(rebasing: bytes[content]))
            case .null: return false
            case .other: return other
            case .unknown, .escaped: return nil
            }
        }
    }

    /// Reads the number at `path` from its bytes in the text, as a lookup would parse it, and
    /// hands it to `compare`. With `converting`, a string without escapes is read as
    /// `to_number` reads it (a JSON number as text, nothing to trim around it). nil means the
    /// value must decide: a built subject, an absent field, another type, a string that is not
    /// plainly a number, a number no `Int64` or `Double` holds, or `compare` gave nil.
    mutating func readNumber(at path: @autoclosure () -> Path, number: Int, converting: Bool,
                             _ compare: (JSONValue) -> Bool?) -> Bool? {
        guard built == nil else { return nil }
        // Written out as in compareString, not shared: handing the autoclosure on to a helper
        // retained the path on every lookup (W2: +3.8 % instructions).
        if number != lastPathNumber {
            _ = range(of: path())
            lastPathNumber = number
        }
        guard let lastRange else { return nil }
        return text.withUnsafeBufferPointer { bytes -> Bool? in
            if case .unknown = lastContent { lastContent = Content(of: lastRange, in: bytes) }
            let numberBytes: Range<Int>
            switch lastContent {
            case .plain(let content) where converting && !content.isEmpty
                && (0x21..<0x80).contains(bytes[content.lowerBound]) && (0x21..<0x80).contains(bytes[content.upperBound - 1]):
                numberBytes = content
            case .other where bytes[lastRange.lowerBound] == UInt8(ascii: "-") || JSONByteReader.isDigit(bytes[lastRange.lowerBound]):
                numberBytes = lastRange
            default:
                return nil
            }
            guard let value = try? JSONParser().parse(buffer: UnsafeBufferPointer(rebasing: bytes[numberBytes])) else { return nil }
            switch value {
            case .int, .double: return compare(value)
            default: return nil
            }
        }
    }

    /// The bytes of the string at `path` where they lie in the text (a slice sharing its
    /// storage, quotes excluded), when the subject is text and the value is a string without
    /// escapes; nil otherwise (absent, null, another type, escapes, or a built value).
    mutating func plainString(at path: Path) -> ArraySlice<UInt8>? {
        guard built == nil, let range = range(of: path) else { return nil }
        if case .unknown = lastContent { lastContent = text.withUnsafeBufferPointer { Content(of: range, in: $0) } }
        guard case .plain(let content) = lastContent else { return nil }
        return text[(text.startIndex + content.lowerBound)..<(text.startIndex + content.upperBound)]
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
        /// A string with escapes, which may spell its bytes differently: the value decides.
        case escaped
        case null
        /// A number, a boolean, an array or an object.
        case other

        /// What the value at `range` of `bytes` is.
        init(of range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) {
            switch bytes[range.lowerBound] {
            case UInt8(ascii: "\"") where range.count >= 2:
                let content = range.lowerBound + 1..<range.upperBound - 1
                self = bytes[content].contains(UInt8(ascii: "\\")) ? .escaped : .plain(content)
            case UInt8(ascii: "n"): self = .null
            case UInt8(ascii: "\""): self = .escaped  // not a whole string: the value decides
            default: self = .other
            }
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
