/// One event read by several expressions in turn, without building its tree: the field
/// lookups one expression makes are remembered for the next (the conditions of a `route`
/// that all read `.data.entity_id` find it once).
public struct EventReader {
    var subject: EvaluationSubject

    /// A reader of `event`'s fields (its text while it has one, else its value).
    public init(_ event: Event) {
        subject = event.evaluationSubject
    }
}

extension EventReader {
    /// For an expression that is a path (`.data.entity_id`) whose value is a string without
    /// escapes in the event's text: the string's UTF-8 bytes, a slice of the event's own
    /// storage (nothing is copied or decoded). Nil in every other case (not a path, a built
    /// event, an absent field, null, another type, escapes): evaluate the expression then,
    /// which gives the same string.
    public mutating func plainString(_ expression: Expression) -> ArraySlice<UInt8>? {
        guard case .path(let path) = expression.root.kind else { return nil }
        return subject.plainString(at: path)
    }
}

extension Expression {
    /// The expression's value with `reader`'s event as `.`.
    public func evaluate(_ reader: inout EventReader) throws(EvaluationError) -> JSONValue {
        do {
            return try Evaluator.evaluate(root, &reader.subject)
        } catch {
            throw error.located(in: origin)
        }
    }
}

extension Condition {
    /// Whether the condition holds for `reader`'s event; a non-boolean result is an error.
    public func test(_ reader: inout EventReader) throws(EvaluationError) -> Bool {
        try test(&reader.subject)
    }
}
