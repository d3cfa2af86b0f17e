/// The event an expression reads: a built value, or checked JSON text read field by field.
enum EvaluationSubject {
    case value(JSONValue)
    /// Valid JSON text: paths are found with ``JSONPathScanner`` without building the tree.
    /// The last lookup is kept: a condition often reads the same field twice
    /// (`.state =~ "^[0-9]+$" && to_number(.state) > 20`), and each lookup scans the text.
    case text(ArraySlice<UInt8>, last: (path: Path, value: JSONValue?)?)

    /// The value at `path`, or nil when the path does not exist.
    mutating func lookup(_ path: Path) -> JSONValue? {
        switch self {
        case .value(let value): return path.value(in: value)
        case .text(let text, let last):
            if let last, last.path == path { return last.value }
            let value = JSONPathScanner.value(at: path, in: text)
            self = .text(text, last: (path, value))
            return value
        }
    }

    /// Builds the whole value (for changes), keeping it from then on.
    mutating func materialize() -> JSONValue {
        switch self {
        case .value(let value): return value
        case .text(let text, _):
            let value = JSONPathScanner.value(at: Path([]), in: text) ?? .null
            self = .value(value)
            return value
        }
    }
}

extension Event {
    /// What expressions read for this event: the built value if there is one, else the text.
    var evaluationSubject: EvaluationSubject {
        if let text = unparsedText { return .text(text, last: nil) }
        return .value(value)
    }
}
