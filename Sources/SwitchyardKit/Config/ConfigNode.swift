/// A node of a parsed configuration file, with its position.
///
/// Built from the YAML document after `${VAR}` interpolation. A scalar that came
/// (wholly or partly) from the environment is marked, so that error messages
/// never print it: it may be a secret.
public struct ConfigNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        /// A YAML null (`~`, `null` or nothing).
        case null
        /// A scalar's text; `quoted` when it was written in quotes (and so is always a string).
        case scalar(String, quoted: Bool)
        case sequence([ConfigNode])
        case mapping([(key: ConfigNode, value: ConfigNode)])
    }

    /// What the node holds: a scalar, a list or a mapping.
    public var content: Content
    /// Where the node starts in its file.
    public var location: SourceLocation
    /// The environment variables interpolated into this scalar, if any.
    public var interpolatedVariables: [String]
    /// Where a scalar's text begins (after an opening quote, or on the line after `|`).
    public var textStart: SourceLocation
    /// Whether the scalar is a block (`|` or `>`): each of its lines starts at `textStart.column`.
    public var isBlock: Bool

    /// A node holding `content`, found at `location`.
    public init(_ content: Content, at location: SourceLocation, interpolatedVariables: [String] = [],
                textStart: SourceLocation? = nil, isBlock: Bool = false) {
        self.content = content
        self.location = location
        self.interpolatedVariables = interpolatedVariables
        self.textStart = textStart ?? location
        self.isBlock = isBlock
    }

    /// The position in the file of the character at `offset` (in unicode scalars) of this scalar's text.
    public func location(ofTextOffset offset: Int) -> SourceLocation {
        guard let text = scalar else { return location }
        var line = 0
        var column = 0
        for (index, character) in text.unicodeScalars.enumerated() {
            if index == offset { break }
            if character == "\n" {
                line += 1
                column = 0
            } else {
                column += 1
            }
        }
        if line == 0 { return SourceLocation(file: textStart.file, line: textStart.line, column: textStart.column + column) }
        // Continuation lines: exact for block scalars; for flow scalars the indentation is not kept, so approximate.
        let base = isBlock ? textStart.column : 1
        return SourceLocation(file: textStart.file, line: textStart.line + line, column: base + column)
    }

    /// The node's content without positions, in one canonical line: equal for two nodes
    /// that configure the same thing.
    public var canonicalText: String {
        switch content {
        case .null: "~"
        case .scalar(let text, let quoted): (quoted ? "s" : "p") + "\(text.utf8.count):" + text
        case .sequence(let elements): "[" + elements.map(\.canonicalText).joined(separator: ",") + "]"
        case .mapping(let members): "{" + members.map { $0.key.canonicalText + "=" + $0.value.canonicalText }.joined(separator: ",") + "}"
        }
    }

    /// The scalar text, when this is a non-null scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The members, when this is a mapping.
    public var mapping: [(key: ConfigNode, value: ConfigNode)]? {
        if case .mapping(let members) = content { return members }
        return nil
    }

    /// The elements, when this is a sequence.
    public var sequence: [ConfigNode]? {
        if case .sequence(let elements) = content { return elements }
        return nil
    }

    /// The value of the mapping member named `key`.
    public subscript(key: String) -> ConfigNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// What kind of node this is, for error messages.
    public var kindName: String {
        switch content {
        case .null: "null"
        case .scalar: "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// How to show this node's value in a message without leaking a secret.
    public var displayValue: String {
        if !interpolatedVariables.isEmpty {
            return "the value of " + interpolatedVariables.map { "${\($0)}" }.joined(separator: ", ")
        }
        switch content {
        case .scalar(let text, _): return "\"\(text)\""
        default: return kindName
        }
    }

    /// The node as a JSON value, reading plain scalars by YAML's core schema.
    public var jsonValue: JSONValue {
        switch content {
        case .null: return .null
        case .scalar(let text, let quoted):
            if quoted { return .string(text) }
            switch text {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let integer = Int64(text) { return .int(integer) }
            if text.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true, let double = Double(text),
                double.isFinite
            {
                return .double(double)
            }
            return .string(text)
        case .sequence(let elements): return .array(elements.map(\.jsonValue))
        case .mapping(let members):
            return .object(JSONObject(members.map { (key: $0.key.scalar ?? "", value: $0.value.jsonValue) }))
        }
    }
}
