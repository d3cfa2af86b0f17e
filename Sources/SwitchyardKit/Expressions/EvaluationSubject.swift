/// The event an expression reads: a built value, or checked JSON text read field by field.
enum EvaluationSubject {
    case value(JSONValue)
    /// Valid JSON text: paths are found with ``JSONPathScanner`` without building the tree.
    /// `uniqueKeys`: no object in it repeats a key (lookups stop at the first match).
    case text(ArraySlice<UInt8>, uniqueKeys: Bool, memory: LookupMemory)

    /// What the last lookup in the text found, for the next: a condition often reads the same
    /// field twice (`.state =~ "^[0-9]+$" && to_number(.state) > 20`) or a sibling
    /// (`.data.entity_id`, then `.data.new_state.state`), and each lookup scans the text.
    struct LookupMemory {
        /// The last path looked up and its value.
        var last: (path: Path, value: JSONValue?)?
        /// The last path's parent, and where its value starts in the text.
        var parent: (segments: ArraySlice<Path.Segment>, start: Int)?
    }

    /// The value at `path`, or nil when the path does not exist.
    mutating func lookup(_ path: Path) -> JSONValue? {
        switch self {
        case .value(let value): return path.value(in: value)
        case .text(let text, let uniqueKeys, var memory):
            if let last = memory.last, last.path == path { return last.value }
            var segments = path.segments[...]
            var start: Int?
            if let parent = memory.parent, parent.segments.count < segments.count,
               segments.prefix(parent.segments.count).elementsEqual(parent.segments) {
                segments = segments.dropFirst(parent.segments.count)
                start = parent.start
            }
            let found = JSONPathScanner.value(at: segments, in: text, from: start, uniqueKeys: uniqueKeys)
            memory.last = (path, found.value)
            if let parentStart = found.parentStart {
                memory.parent = (path.segments.dropLast(), parentStart)
            }
            self = .text(text, uniqueKeys: uniqueKeys, memory: memory)
            return found.value
        }
    }

    /// Builds the whole value (for changes), keeping it from then on.
    mutating func materialize() -> JSONValue {
        switch self {
        case .value(let value): return value
        case .text(let text, _, _):
            let value = JSONPathScanner.value(at: Path([]), in: text) ?? .null
            self = .value(value)
            return value
        }
    }
}

extension Event {
    /// What expressions read for this event: the built value if there is one, else the text.
    var evaluationSubject: EvaluationSubject {
        if let (text, uniqueKeys) = unparsedText { return .text(text, uniqueKeys: uniqueKeys, memory: EvaluationSubject.LookupMemory()) }
        return .value(value)
    }
}
