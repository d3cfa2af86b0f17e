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
