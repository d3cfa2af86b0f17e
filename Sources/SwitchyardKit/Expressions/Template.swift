/// A string with expressions inside `{{ }}`: `"events/{{ .data.entity_id }}.ndjson"`.
///
/// Parsed once; rendering evaluates each expression (strings as they are,
/// other values as compact JSON). A missing or null value is an error: the
/// event cannot be placed, and the stage drops and counts it.
public struct Template: Sendable, Decodable, CustomStringConvertible {
    enum Part: Sendable {
        case text(String)
        case expression(Expression)
    }

    /// The template as written.
    public let text: String
    let parts: [Part]

    /// Parses `text`, checking every `{{ expression }}` in it.
    public init(_ text: String) throws(ExpressionSyntaxError) {
        var parts: [Part] = []
        var rest = Substring(text)
        var consumed = 0
        while let open = rest.firstRange(of: "{{") {
            let literal = rest[..<open.lowerBound]
            if !literal.isEmpty { parts.append(.text(String(literal))) }
            let inner = rest[open.upperBound...]
            guard let close = inner.firstRange(of: "}}") else {
                throw ExpressionSyntaxError(offset: consumed + literal.unicodeScalars.count, "'{{' without a closing '}}'")
            }
            let expressionText = String(inner[..<close.lowerBound])
            let expressionOffset = consumed + literal.unicodeScalars.count + 2
            do {
                parts.append(.expression(try Expression(expressionText)))
            } catch {
                throw ExpressionSyntaxError(offset: expressionOffset + error.offset, error.message)
            }
            consumed = expressionOffset + expressionText.unicodeScalars.count + 2
            rest = inner[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.text = text
        self.parts = parts
    }

    public init(from decoder: any Decoder) throws {
        self = try ExpressionDecoding.decode(from: decoder) { text throws(ExpressionSyntaxError) in try Template(text) }
    }

    /// Whether the template has no `{{ }}` (it renders to the same text for every event).
    public var isConstant: Bool { parts.allSatisfy { if case .text = $0 { true } else { false } } }

    /// Renders the template for `event`.
    public func render(_ event: Event) throws(EvaluationError) -> String {
        try render(event) { $0 }
    }

    /// Renders a file path: each rendered value is made safe as one path component,
    /// so that no event can make the path leave the directory the template names.
    public func renderPath(_ event: Event) throws(EvaluationError) -> String {
        try render(event, transform: Self.confine)
    }

    /// The longest text a template may render to (a path or a URI); an event whose values
    /// would make it longer is refused (dropped and counted by the stage), never rendered.
    public static let maximumRenderedBytes = 4096

    private func render(_ event: Event, transform: (String) -> String) throws(EvaluationError) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .expression(let expression):
                let rendered = try expression.evaluate(event)
                if case .null = rendered {
                    throw EvaluationError(offset: 0, "{{ \(expression.text.trimmingSpaces) }} is missing or null in this event")
                }
                result += transform(ValueOperations.text(rendered))
            }
            if result.utf8.count > Self.maximumRenderedBytes {
                throw EvaluationError(offset: 0, "the rendered text would be longer than \(Self.maximumRenderedBytes) bytes")
            }
        }
        return result
    }

    /// Replaces `/`, `\`, NUL and a leading `.` run (`..`, `.hidden`) with `_`.
    static func confine(_ component: String) -> String {
        var safe = String(component.unicodeScalars.map { scalar -> Character in
            scalar == "/" || scalar == "\\" || scalar == "\0" ? "_" : Character(scalar)
        })
        if safe.hasPrefix(".") { safe = "_" + safe.drop { $0 == "." } }
        return safe.isEmpty ? "_" : safe
    }

    public var description: String { text }
}
