/// An expression of Switchyard's language, parsed and checked once.
///
/// ```
/// starts_with(.data.entity_id, "sensor.") && to_number(.data.new_state.state) ?? 0 > 20
/// ```
///
/// In a configuration it is written as a string; syntax errors, unknown
/// functions and wrong argument counts are load errors pointing at the column.
public struct Expression: Sendable, Decodable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    let root: ExpressionNode
    /// The configuration value it was read from: runtime errors then name the file position.
    var origin: ConfigNode?

    /// Parses and checks `text`.
    public init(_ text: String) throws(ExpressionSyntaxError) {
        var parser = try ExpressionParser(text)
        self.text = text
        self.root = try parser.parseWholeExpression()
    }

    public init(from decoder: any Decoder) throws {
        self = try ExpressionDecoding.decode(from: decoder) { text throws(ExpressionSyntaxError) in try Expression(text) }
        origin = ExpressionDecoding.origin(of: decoder)
    }

    /// Whether the expression is just a path (`.a.b`).
    public var isPath: Bool {
        if case .path = root.kind { return true }
        return false
    }

    /// What the expression can produce, as known before seeing an event.
    public var resultTypes: ValueTypes { root.types }

    /// Evaluates the expression with `value` as `.`.
    public func evaluate(_ value: JSONValue) throws(EvaluationError) -> JSONValue {
        var subject = EvaluationSubject.value(value)
        do {
            return try Evaluator.evaluate(root, &subject)
        } catch {
            throw error.located(in: origin)
        }
    }

    /// Evaluates the expression on `event`, reading only the fields it needs when the
    /// event still holds its original JSON text.
    public func evaluate(_ event: Event) throws(EvaluationError) -> JSONValue {
        var subject = event.evaluationSubject
        do {
            return try Evaluator.evaluate(root, &subject)
        } catch {
            throw error.located(in: origin)
        }
    }

    public var description: String { text }
}

/// An expression used as a condition: it must be able to produce a boolean.
public struct Condition: Sendable, Decodable, CustomStringConvertible {
    /// The expression and its compiled program, held once for every copy: a stage that tests
    /// conditions in a loop copies one reference, not the expression's parts.
    private final class Compiled: Sendable {
        let expression: Expression
        let program: ConditionProgram

        init(_ expression: Expression) {
            self.expression = expression
            self.program = ConditionProgram(expression.root)
        }
    }

    private let compiled: Compiled

    /// The expression, known to give a boolean in some case.
    public var expression: Expression { compiled.expression }

    /// Parses `text`; throws when it is not an expression or can never give a boolean.
    public init(_ text: String) throws(ExpressionSyntaxError) {
        compiled = Compiled(try Self.checked(text))
    }

    public init(from decoder: any Decoder) throws {
        var expression = try ExpressionDecoding.decode(from: decoder) { text throws(ExpressionSyntaxError) in try Self.checked(text) }
        expression.origin = ExpressionDecoding.origin(of: decoder)
        compiled = Compiled(expression)
    }

    /// `text` parsed, when it can give a boolean.
    private static func checked(_ text: String) throws(ExpressionSyntaxError) -> Expression {
        let expression = try Expression(text)
        guard expression.resultTypes.contains(.bool) else {
            throw ExpressionSyntaxError(offset: 0, "a condition must give true or false, but this is always \(expression.resultTypes)")
        }
        return expression
    }

    /// Whether the condition holds for `value`; a non-boolean result is an error.
    public func test(_ value: JSONValue) throws(EvaluationError) -> Bool {
        var subject = EvaluationSubject.value(value)
        return try test(&subject)
    }

    /// Whether the condition holds for `event` (reading only the fields it needs).
    public func test(_ event: Event) throws(EvaluationError) -> Bool {
        var subject = event.evaluationSubject
        return try test(&subject)
    }

    /// Whether the condition holds for `subject`, computed as a flag (no value built for
    /// `&&`, `||` and the like); a non-boolean result is an error.
    func test(_ subject: inout EvaluationSubject) throws(EvaluationError) -> Bool {
        let compiled = compiled
        if let flag = compiled.program.run(&subject) { return flag }
        let expression = compiled.expression
        let root = expression.root
        do throws(EvaluationError) {
            if let flag = try Evaluator.flag(root, &subject) { return flag }
            // Not a boolean: evaluated again (expressions have no side effects) to name its type.
            let result = try Evaluator.evaluate(root, &subject)
            throw EvaluationError(offset: 0, "the condition gave \(result.typeName), not true or false")
        } catch {
            throw error.located(in: expression.origin)
        }
    }

    public var description: String { expression.text }
}

/// A remap program: statements that change an event.
///
/// ```
/// .pipeline = "w2"
/// .timestamp = del(.time_fired)
/// if .data.new_state == null { abort }
/// ```
public struct RemapProgram: Sendable, Decodable {
    /// The program as written.
    public let text: String
    let statements: [RemapStatement]
    /// The program as byte edits, when it is made only of those.
    let byteProgram: RemapByteProgram?
    /// The configuration value it was read from: runtime errors then name the file position.
    var origin: ConfigNode?

    /// Parses and checks `text`.
    public init(_ text: String) throws(ExpressionSyntaxError) {
        var parser = try ExpressionParser(text, allowsDelete: true)
        self.text = text
        self.statements = try parser.parseProgram()
        self.byteProgram = RemapByteProgram(statements)
    }

    /// Whether the program runs as edits of the event's JSON text (no tree).
    public var editsBytes: Bool { byteProgram != nil }

    /// Runs the program on an event's JSON text as byte edits; nil when it cannot (not made of
    /// field assignments and deletions, or an edit needs to create a parent): run it on the tree.
    public func run(onJSON text: ArraySlice<UInt8>) -> [UInt8]? {
        byteProgram?.apply(to: text, uniqueKeys: false)
    }

    /// Runs the program on `event`'s JSON text as byte edits, when the program is made only of
    /// field assignments and deletions and the event still has its text: the edited event
    /// (same metadata), or nil when the tree is needed (``run(on:)``).
    public func runAsEdits(_ event: Event) -> Event? {
        var edited = event
        return runAsEdits(inPlace: &edited) ? edited : nil
    }

    /// ``runAsEdits(_:)`` on the event itself: false (event unchanged) when the tree is needed.
    /// A program that only adds root fields changes the event's bytes in place when the event
    /// owns them alone and they have room; a transform that owns its batch (a `consuming`
    /// parameter) gets that for the events an earlier remap made.
    public func runAsEdits(inPlace event: inout Event) -> Bool {
        guard let byteProgram else { return false }
        if byteProgram.rootMembers != nil, event.editText({ text, rootKeys in
            guard byteProgram.appendRootMembers(to: &text, rootKeys: rootKeys) else { return false }
            rootKeys.insert(byteProgram.addedRootKeys)
            return true
        }) {
            return true
        }
        guard let edited = editedCopy(event, byteProgram) else { return false }
        event = edited
        return true
    }

    private func editedCopy(_ event: Event, _ byteProgram: RemapByteProgram) -> Event? {
        if let (text, uniqueKeys, rootKeys) = event.unparsedText {
            guard let edited = byteProgram.apply(to: text, uniqueKeys: uniqueKeys, rootKeys: rootKeys) else { return nil }
            var editedKeys = rootKeys
            editedKeys.insert(byteProgram.addedRootKeys)
            return Event(validatedJSON: edited[...], metadata: event.metadata, uniqueKeys: uniqueKeys, rootKeys: editedKeys)
        }
        guard let text = event.rawJSON else { return nil }
        return byteProgram.apply(to: text, uniqueKeys: false).map { Event(validatedJSON: $0[...], metadata: event.metadata) }
    }

    public init(from decoder: any Decoder) throws {
        self = try ExpressionDecoding.decode(from: decoder) { text throws(ExpressionSyntaxError) in try RemapProgram(text) }
        origin = ExpressionDecoding.origin(of: decoder)
    }

    /// Runs the program on `value`; returns false when it aborted (the event is to be dropped).
    public func run(on value: inout JSONValue) throws(EvaluationError) -> Bool {
        do {
            switch try Evaluator.run(statements, on: &value) {
            case .keep: return true
            case .abort: return false
            }
        } catch {
            throw error.located(in: origin)
        }
    }
}

/// Decodes expression-like options from configuration, turning syntax errors into
/// diagnostics at the exact file position of the offending character.
enum ExpressionDecoding {
    /// The configuration value being decoded, when decoding from a pipeline file.
    static func origin(of decoder: any Decoder) -> ConfigNode? { (decoder as? ConfigNodeDecoder)?.node }

    static func decode<T>(from decoder: any Decoder, parse: (String) throws(ExpressionSyntaxError) -> T) throws -> T {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            return try parse(text)
        } catch {
            guard let configDecoder = decoder as? ConfigNodeDecoder else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
            }
            let location = configDecoder.node.location(ofTextOffset: error.offset)
            let line = text.split(separator: "\n", omittingEmptySubsequences: false)
            var lineIndex = 0
            var column = error.offset
            for part in line {
                if column <= part.unicodeScalars.count { break }
                column -= part.unicodeScalars.count + 1
                lineIndex += 1
            }
            let source = lineIndex < line.count ? String(line[lineIndex]) : ""
            let caret = String(repeating: " ", count: max(0, column)) + "^"
            let path = configDecoder.pathText
            throw Diagnostic(at: location, "\(path): \(error.message)\n    \(source)\n    \(caret)")
        }
    }
}
