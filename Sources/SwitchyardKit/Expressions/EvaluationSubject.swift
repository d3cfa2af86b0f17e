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
    /// The last path looked up in the text and its value: a condition often reads the same
    /// field twice (`.state =~ "^[0-9]+$" && to_number(.state) > 20`).
    private var lastPath: Path?
    private var lastValue: JSONValue?
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
        if lastPath == path { return lastValue }
        var segments = path.segments[...]
        var start: Int?
        if let parentStart, parentSegments.count < segments.count, segments.prefix(parentSegments.count).elementsEqual(parentSegments) {
            segments = segments.dropFirst(parentSegments.count)
            start = parentStart
        }
        let found = JSONPathScanner.value(at: segments, in: text, from: start, uniqueKeys: uniqueKeys)
        lastPath = path
        lastValue = found.value
        if let foundParent = found.parentStart {
            parentSegments = path.segments.dropLast()
            parentStart = foundParent
        }
        return found.value
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
