/// The event an expression reads: a built value, or checked JSON text read field by field.
enum EvaluationSubject {
    case value(JSONValue)
    /// Valid JSON text: paths are found with ``JSONPathScanner`` without building the tree.
    case text(ArraySlice<UInt8>)

    /// The value at `path`, or nil when the path does not exist.
    func lookup(_ path: Path) -> JSONValue? {
        switch self {
        case .value(let value): return path.value(in: value)
        case .text(let text): return JSONPathScanner.value(at: path, in: text)
        }
    }

    /// Builds the whole value (for changes), keeping it from then on.
    mutating func materialize() -> JSONValue {
        switch self {
        case .value(let value): return value
        case .text(let text):
            let value = JSONPathScanner.value(at: Path([]), in: text) ?? .null
            self = .value(value)
            return value
        }
    }
}

extension Event {
    /// What expressions read for this event: the built value if there is one, else the text.
    var evaluationSubject: EvaluationSubject {
        if let text = unparsedText { return .text(text) }
        return .value(value)
    }
}
