import Testing
@testable import SwitchyardKit

@Suite("Expression language")
struct ExpressionTests {
    let event: JSONValue = try! JSONParser().parse(#"""
        {"event_type":"state_changed","n":3,"f":2.5,"flag":true,"none":null,"tags":["a","b","c"],
         "data":{"entity_id":"sensor.kitchen_temp","new_state":{"state":"21.5","attributes":{"unit":"°C"}}},
         "key with spaces":"spaced","nested":{"list":[{"x":1},{"x":2}]},"ts":"2024-03-01T12:00:00.500+01:00"}
        """#)

    private func eval(_ text: String) throws -> JSONValue { try Expression(text).evaluate(event) }

    /// Evaluates against the raw text too: the field scanner must agree with the built tree.
    private func evalBothWays(_ text: String) throws -> JSONValue {
        let expression = try Expression(text)
        let fromValue = try expression.evaluate(event)
        let bytes = Array(JSONWriter.string(event).utf8)
        let fromText = try expression.evaluate(Event(validatedJSON: bytes[...]))
        #expect(fromValue == fromText, "\(text): tree and text disagree")
        return fromValue
    }

    private func syntaxError(_ text: String) -> ExpressionSyntaxError? {
        do {
            _ = try Expression(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("paths read fields, indexes, quoted keys; missing paths are null", arguments: [
        (".n", JSONValue.int(3)),
        (".data.entity_id", "sensor.kitchen_temp"),
        (".data.new_state.attributes.unit", "°C"),
        (".tags[0]", "a"), (".tags[-1]", "c"), (".tags[5]", .null),
        (".\"key with spaces\"", "spaced"),
        (".nested.list[1].x", 2),
        (".missing.deeper", .null), (".n.x", .null), (".none", .null),
    ] as [(String, JSONValue)])
    func paths(text: String, expected: JSONValue) throws {
        #expect(try evalBothWays(text) == expected)
    }

    @Test("the root path is the whole event")
    func root() throws {
        #expect(try evalBothWays(".") == event)
    }

    @Test("precedence and associativity", arguments: [
        ("1 + 2 * 3", JSONValue.int(7)), ("(1 + 2) * 3", 9), ("10 - 4 - 3", 3), ("2 * 3 % 4", 2),
        ("1 + 2 == 3 && 2 < 3", true), ("true || false && false", true), ("!false && false", false),
        (".none ?? 1 + 1", 2), (".n ?? 0 > 2", true), ("-.n + 1", -2), ("7 / 2", 3.5),
        ("1 < 2 == true", true),
    ] as [(String, JSONValue)])
    func precedence(text: String, expected: JSONValue) throws {
        #expect(try eval(text) == expected)
    }

    @Test("every operator", arguments: [
        ("1 == 1.0", JSONValue.bool(true)), ("\"a\" != \"b\"", true), ("2 <= 2", true), ("3 >= 4", false),
        ("\"abc\" < \"abd\"", true), ("5 % 3", 2), ("5.5 % 2", 1.5), ("\"a\" + \"b\"", "ab"),
        ("\"b\" in .tags", true), ("\"x\" in .tags", false), ("\"n\" in .", true), ("\"ens\" in \"sensor\"", true),
        (".data.entity_id =~ \"^sensor\\\\.\"", true), (".none =~ \"x\"", false), ("[1, .n]", [1, 3]),
        ("{\"a\": .n, \"b\": [true]}", ["a": 3, "b": [true]]), ("!.flag", false), ("null ?? \"d\"", "d"),
        ("to_number(\"x\") ?? -1", -1), ("1.5 * 2", 3.0), ("1e2", 100.0),
    ] as [(String, JSONValue)])
    func operators(text: String, expected: JSONValue) throws {
        #expect(try evalBothWays(text) == expected)
    }

    @Test("every function", arguments: [
        ("exists(.data.entity_id)", JSONValue.bool(true)), ("exists(.none)", true), ("exists(.nope)", false),
        ("exists(.data.new_state)", true), ("exists(.tags[1])", true), ("exists(.tags[7])", false), ("exists(.n.x)", false),
        ("is_null(.none)", true), ("is_string(.n)", false), ("is_number(.f)", true),
        ("is_bool(.flag)", true), ("is_array(.tags)", true), ("is_object(.data)", true),
        ("starts_with(.data.entity_id, \"sensor.\")", true), ("ends_with(\"abc\", \"bc\")", true),
        ("starts_with(.nope, \"x\")", false), ("contains(\"abc\", \"b\")", true), ("contains(.tags, \"c\")", true),
        ("ends_with(\"c\", \"abc\")", false), ("ends_with(\"x\", \"\")", true), ("starts_with(\"é\", \"e\")", false),
        ("ends_with(\"°C\", \"C\")", true), ("starts_with(\"\", \"a\")", false),
        ("starts_with(.data.entity_id, .data.entity_id)", true), ("ends_with(.data.entity_id, lower(\"X\"))", false),
        ("matches(\"a1\", \"^[a-z][0-9]$\")", true), ("lower(\"AbC\")", "abc"), ("upper(\"é\")", "É"),
        ("trim(\"  x \")", "x"), ("length(\"°C\")", 2), ("length(.tags)", 3), ("length(.data)", 2),
        ("split(\"a,b,,c\", \",\")", ["a", "b", "", "c"]), ("join(.tags, \"-\")", "a-b-c"),
        ("replace(\"a.b.c\", \".\", \"/\")", "a/b/c"), ("to_string(.n)", "3"), ("to_string(.tags)", "[\"a\",\"b\",\"c\"]"),
        ("to_number(\"21.5\")", 21.5), ("to_number(\" 7 \")", 7), ("to_int(\"21.9\")", 21), ("to_int(2.9)", 2),
        ("to_bool(\"yes\")", true), ("to_bool(0)", false), ("round(2.567, 2)", 2.57), ("round(2.5)", 3),
        ("parse_timestamp(.ts)", 1_709_290_800.5), ("parse_timestamp(\"01/03/2024 11:00\", \"%d/%m/%Y %H:%M\")", 1_709_290_800.0),
        ("format_timestamp(1709290800, \"%Y-%m-%d %H:%M\")", "2024-03-01 11:00"),
        ("format_timestamp(.ts)", "2024-03-01T11:00:00.500Z"),
        ("format_timestamp(1.9996)", "1970-01-01T00:00:02Z"), ("format_timestamp(59.9999)", "1970-01-01T00:01:00Z"),
        ("format_timestamp(1.9994)", "1970-01-01T00:00:01.999Z"),
        ("parse_json(\"{\\\"a\\\":[1]}\")", ["a": [1]]), ("encode_json({\"a\": null})", "{\"a\":null}"),
        ("merge({\"a\": 1, \"b\": 1}, {\"b\": 2})", ["a": 1, "b": 2]), ("keys(.data.new_state)", ["state", "attributes"]),
        ("values({\"a\": 1})", [1]),
    ] as [(String, JSONValue)])
    func functions(text: String, expected: JSONValue) throws {
        #expect(try evalBothWays(text) == expected)
    }

    @Test("now() is an RFC 3339 time that parse_timestamp reads back")
    func now() throws {
        guard case .string(let text) = try eval("now()") else { Issue.record("now() is not a string"); return }
        #expect(text.hasSuffix("Z") && text.count >= 20)
        guard case .double(let seconds) = try eval("parse_timestamp(now())") else { Issue.record("not a number"); return }
        #expect(seconds > 1_700_000_000)
    }

    @Test("load errors name the problem and its column", arguments: [
        ("lenght(.a)", 0, "unknown function 'lenght'; did you mean 'length'?"),
        (".a == ", 6, "expected a value, a path or a function call, found the end"),
        ("starts_with(.a)", 0, "starts_with takes 2 arguments, got 1"),
        ("round(1, 2, 3)", 0, "round takes 1 to 2 arguments, got 3"),
        ("1 + \"a\" * 2", 4, "'*' needs integer or float, but this is always string"),
        ("length(5)", 7, "argument of length needs string or array or object, but this is always integer"),
        ("del(.a)", 0, "del() changes the event; it is only available in remap programs"),
        (".a =~ .b", 6, "a regular expression must be a quoted string written in the expression"),
        (".a =~ \"(\"", 6, "invalid regular expression \"(\""),
        ("foo", 0, "unknown name 'foo'; paths start with '.', strings are quoted"),
        ("\"open", 0, "unterminated string"),
        (".a @ 1", 3, "unexpected character '@'"),
        ("! 5", 2, "'!' needs boolean, but this is always integer"),
        (".a.", 0, "a path cannot end with '.'"),
    ])
    func loadErrors(text: String, offset: Int, message: String) {
        let error = syntaxError(text)
        #expect(error?.message == message)
        #expect(error?.offset == offset)
    }

    @Test("a condition gives the flag and the error the expression's value would", arguments: [
        "starts_with(.data.entity_id, \"sensor.\") && .n > 2", "ends_with(.data.entity_id, \"temp\") || .flag",
        "!(.flag && .none == null)", ".data.new_state.state =~ \"^[0-9.]+$\" && to_number(.data.new_state.state) > 20",
        "ends_with(.missing, \"x\") || !.flag", ".flag", ".n", "!.n", ".n || true", "false || .n", ".flag && .tags",
        "true && (.n && true)", "starts_with(.n, \"a\") || true", ".tags =~ \"a\"", ".missing", "exists(.n) && .f < 3",
        "to_number(\"abc\") > 1 || true", "ends_with(.data.entity_id, \"°C\") || starts_with(.\"key with spaces\", \"sp\")",
        // Compiled into steps: fields read in turn, jumps over nested `!`, an error after a cached field.
        "ends_with(.data.entity_id, \"x\") || starts_with(.\"key with spaces\", \"x\") || ends_with(.data.entity_id, \"temp\")",
        "!(ends_with(.data.entity_id, \"x\") || ends_with(.data.new_state.state, \"5\")) || ends_with(.data.entity_id, \"temp\")",
        "starts_with(.data.entity_id, \"sensor.\") && !starts_with(.data.entity_id, \"light.\") && ends_with(.ts, \"00\")",
        "ends_with(.data.entity_id, \"x\") || ends_with(.n, \"3\")", "starts_with(.none, \"\") || !(.flag && !ends_with(.tags, \"c\"))",
        // A field and a string literal compared for equality in place: every type, both sides, `!=`.
        ".event_type == \"state_changed\" && \"sensor.kitchen_temp\" == .data.entity_id", ".event_type != \"state_changed\"",
        ".n == \"3\" || .none == \"\" || .tags == \"a\" || .data == \"x\" || .flag == \"true\"", ".missing != \"a\"",
        ".data.new_state.attributes.unit == \"°C\" && .data.new_state.attributes.unit != \"°F\"",
    ])
    func conditionFlags(text: String) throws {
        let condition = try Condition(text)
        // What evaluating the expression says the condition gives: a flag, or an error's message.
        let expected: String
        do {
            switch try Expression(text).evaluate(event) {
            case .bool(let flag): expected = "\(flag)"
            case let other: expected = "the condition gave \(other.typeName), not true or false (at column 1)"
            }
        } catch {
            expected = "\(error)"
        }
        let bytes = Array(JSONWriter.string(event).utf8)
        var reader = EventReader(Event(validatedJSON: bytes[...]))
        for (way, test) in [("tree", { try condition.test(self.event) }), ("text", { try condition.test(&reader) })] {
            let actual: String
            do { actual = "\(try test())" } catch { actual = "\(error)" }
            #expect(actual == expected, "\(text) (\(way))")
        }
    }

    @Test("field comparisons (starts_with, ends_with, ==) in the text and in a built value give the expression value's answers", arguments: [
        #"{"s":"sensor.kitchen"}"#, #"{"s":"sen"}"#, #"{"s":""}"#, #"{"s":"sensor.a\"b\u00e9"}"#, #"{"s":"\u0073ensor.x"}"#,
        #"{"s":"x.sensor"}"#, #"{"s":"sensor.é"}"#, #"{"s":null}"#, #"{"s":12}"#, #"{"s":["sensor."]}"#, #"{"t":"sensor."}"#,
        #"{"s":"a","s":"sensor.z"}"#, #"{"s":"sensor.y\\"}"#,
    ])
    func affixOnText(line: String) throws {
        let event = try #require(try Event(jsonLine: Array(line.utf8)[...], metadata: EventMetadata()))
        // One reader for every condition, as a route shares it: a field found for one condition
        // is known to the next by its number, and a different field is looked up afresh.
        var shared = EventReader(event)
        for text in [#"starts_with(.s, "sensor.")"#, #"ends_with(.s, "z")"#, #"ends_with(.t, ".")"#, #"ends_with(.s, "é")"#,
                     #"ends_with(.s, "\\")"#, #"starts_with(.t, "s") || ends_with(.s, "x")"#, #"starts_with(.s, "") && ends_with(.s, "")"#,
                     // Equal by characters though not by bytes (`é` as `e` and an accent), and by escapes.
                     #".s == "sensor.é""#, #".s != "sensor.e\u{301}""#, #".s == "sensor.kitchen""#, #".s == "sensor.x""#] {
            try expectTreeAnswers(text, line: line, event: event, shared: &shared)
        }
    }

    /// Checks that condition `text` answers on `line` (built, as text, and through `shared`, a
    /// reader other conditions used before) what the expression's value on the built tree says:
    /// the oracle, which no compiled step reads.
    private func expectTreeAnswers(_ text: String, line: String, event: Event, shared: inout EventReader) throws {
        let condition = try Condition(text)
        let tree = try JSONParser().parse(line)
        func outcome(_ test: () throws -> Bool) -> String {
            do { return "\(try test())" } catch { return "\(error)" }
        }
        let fromTree = outcome {
            let value = try Expression(text).evaluate(tree)
            guard case .bool(let flag) = value else { throw EvaluationError(offset: 0, "\(value)") }
            return flag
        }
        #expect(outcome { try condition.test(tree) } == fromTree, "\(text) on \(line), built")
        #expect(outcome { try condition.test(event) } == fromTree, "\(text) on \(line)")
        #expect(outcome { try condition.test(&shared) } == fromTree, "\(text) on \(line), after the others")
    }

    @Test("number comparisons of a field or to_number(field) in the text give the expression value's answers", arguments: [
        #"{"s":"21.5"}"#, #"{"s":"20"}"#, #"{"s":"-3e2"}"#, #"{"s":" 21"}"#, #"{"s":"21 "}"#, #"{"s":"abc"}"#, #"{"s":""}"#,
        #"{"s":"1 2"}"#, #"{"s":"01"}"#, #"{"s":"+5"}"#, #"{"s":"true"}"#, #"{"s":"2\u0031"}"#, #"{"s":"99999999999999999999"}"#,
        #"{"s":"9007199254740993"}"#, #"{"s":21}"#, #"{"s":20.0}"#, #"{"s":-0}"#, #"{"s":1e400}"#, #"{"s":123456789012345678901234}"#,
        #"{"s":true}"#, #"{"s":null}"#, #"{"s":[21]}"#, #"{"s":{"a":1}}"#, #"{"t":21}"#, #"{"s":"1","s":"30"}"#,
    ])
    func numberComparisonOnText(line: String) throws {
        let event = try #require(try Event(jsonLine: Array(line.utf8)[...], metadata: EventMetadata()))
        var shared = EventReader(event)
        for text in ["to_number(.s) > 20", "to_number(.s) <= 20", ".s > 20", ".s >= 20.5", "20 < .s", "21 >= to_number(.s)",
                     "to_number(.s) > 9007199254740992", ".s < -1 || to_number(.s) > 20", "starts_with(.t, \"x\") || .s > 20"] {
            try expectTreeAnswers(text, line: line, event: event, shared: &shared)
        }
    }

    @Test("a condition that can never be boolean is rejected at load time")
    func conditionType() {
        #expect(throws: ExpressionSyntaxError.self) { try Condition("length(.a) + 1") }
        #expect(throws: Never.self) { try Condition(".flag") }
    }

    @Test("runtime errors are errors, with their column, never crashes", arguments: [
        ("to_number(\"abc\")", "to_number: \"abc\" is not a number (at column 1)"),
        ("1 + .data", "cannot apply + to number and object (at column 3)"),
        ("1 / 0", "division by zero (at column 3)"),
        (".n && true", "'&&' needs a boolean, found number (at column 4)"),
        ("9223372036854775807 + 1", "integer overflow in + (at column 21)"),
        (".tags < 1", "cannot compare array with number (at column 7)"),
        // The same message whether the second argument is a literal (an affix node) or not (a call).
        ("starts_with(.n, \"a\")", "starts_with needs a string, found number (at column 1)"),
        ("ends_with(.n, .data.entity_id)", "ends_with needs a string, found number (at column 1)"),
    ])
    func runtimeErrors(text: String, message: String) {
        #expect {
            try eval(text)
        } throws: { error in
            (error as? EvaluationError)?.description == message
        }
    }
}

@Suite("Remap programs and templates")
struct RemapAndTemplateTests {
    @Test("assignments, del, if/else and abort")
    func program() throws {
        let program = try RemapProgram("""
            .pipeline = "w2"   # a comment
            .timestamp = del(.time_fired)
            del(.data.attributes); .data.copy = .data.state
            if to_number(.data.state) ?? 0 > 20 {
              .hot = true
            } else if .data.state == "x" {
              abort
            } else {
              .hot = false
            }
            .list[2] = "third"
            """)
        var value: JSONValue = ["time_fired": "t", "data": ["state": "21.5", "attributes": ["a": 1]]]
        #expect(try program.run(on: &value))
        #expect(value == [
            "data": ["state": "21.5", "copy": "21.5"], "pipeline": "w2", "timestamp": "t", "hot": true,
            "list": [nil, nil, "third"],
        ])
        var aborted: JSONValue = ["data": ["state": "x"]]
        #expect(try program.run(on: &aborted) == false)
    }

    @Test("program syntax errors are load errors with columns")
    func programErrors() {
        #expect(throws: ExpressionSyntaxError.self) { try RemapProgram(".a = ") }
        #expect(throws: ExpressionSyntaxError.self) { try RemapProgram("if .a { .b = 1 ") }
        do {
            _ = try RemapProgram(".a = 1\nlength(.b)")
            Issue.record("a bare expression should be rejected")
        } catch {
            #expect(error.offset == 7)
            #expect(error.message.contains("does nothing"))
        }
    }

    @Test("assigning through a scalar is a runtime error")
    func setThroughScalar() throws {
        var value: JSONValue = ["a": 1]
        #expect(throws: EvaluationError.self) { try RemapProgram(".a.b = 2").run(on: &value) }
    }

    @Test("templates render expressions; paths stay inside their directory")
    func templates() throws {
        let template = try Template("events/{{ .data.entity_id }}-{{ .n }}.ndjson")
        let event = Event(value: ["data": ["entity_id": "sensor.t"], "n": 2])
        #expect(try template.render(event) == "events/sensor.t-2.ndjson")
        let hostile = Event(value: ["data": ["entity_id": "../../etc/passwd"], "n": 1])
        #expect(try template.renderPath(hostile) == "events/__.._etc_passwd-1.ndjson")
        #expect(throws: EvaluationError.self) { try template.render(Event(value: ["n": 1])) }
        #expect(try Template("{{ .a }}").renderPath(Event(value: ["a": ".."])) == "_")
        #expect(try Template("plain.ndjson").isConstant)
        #expect(throws: ExpressionSyntaxError.self) { try Template("x/{{ .a") }
        do {
            _ = try Template("x/{{ lenght(.a) }}")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 5)
        }
    }

    @Test("hostile nesting is a syntax error, not a stack overflow (found by fuzzing)")
    func deepNesting() throws {
        // The fuzzer's input: a minus then thousands of parentheses.
        let crash = "-" + String(repeating: "(((((((((((((((A", count: 150)
        for text in [crash, String(repeating: "!", count: 100_000) + ".a", String(repeating: "(", count: 50_000) + "1"] {
            #expect(throws: ExpressionSyntaxError.self) { try Expression(text) }
        }
        #expect(throws: ExpressionSyntaxError.self) {
            try RemapProgram(String(repeating: "if true { ", count: 5000) + ".a = 1" + String(repeating: " }", count: 5000))
        }
        #expect(try Expression(String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40)).evaluate(Event(value: [:])) == 1)
    }

    @Test("a chain of operators past 1,000 is a syntax error, not a stack overflow when the tree is walked")
    func longOperatorChain() throws {
        // 50,000 `||` crashed the evaluator's recursion (it was accepted before the limit).
        let terms = (0..<1_002).map { #"ends_with(.a, "\#($0)")"# }
        // The error points at the 1,001st `||`, just past the first 1,001 terms.
        let offending = terms.prefix(1_001).joined(separator: " || ").utf8.count + 1
        #expect {
            try Expression(terms.joined(separator: " || "))
        } throws: { error in
            let error = error as? ExpressionSyntaxError
            return error?.message.hasPrefix("more than 1000 operators in one expression") == true && error?.offset == offending
        }
        #expect(throws: ExpressionSyntaxError.self) { try RemapProgram(".b = " + String(repeating: "1 + ", count: 1_001) + "1") }
        // At the limit: compiled steps and the tree (a number sends every step to it) both answer.
        let condition = try Condition((0..<1_001).map { #"ends_with(.a, "\#($0)")"# }.joined(separator: " || "))
        #expect(try condition.test(["a": "x999"]))
        #expect(throws: EvaluationError.self) { try condition.test(["a": 5]) }
        // The count is per statement: many statements of a program may each use operators.
        #expect(throws: Never.self) { try RemapProgram(Array(repeating: ".b = " + String(repeating: "1 + ", count: 600) + "1", count: 3).joined(separator: "\n")) }
    }

    @Test("+, replace and join refuse to build a string past 64 MiB: the event is refused, not the memory exhausted")
    func builtStringLimit() throws {
        let megabyte = JSONValue.string(String(repeating: "a", count: 1 << 20))
        var value: JSONValue = ["x": megabyte, "parts": .array(Array(repeating: megabyte, count: 40))]
        // Under the limit, each builds what it is asked.
        _ = try RemapProgram(".y = .x + .x\n.z = join(.parts)\n.w = replace(.x, \"aaaa\", \"aaaaa\")").run(on: &value)
        #expect(value["y"].map { ValueOperations.text($0).utf8.count } == 2 << 20)
        #expect(value["z"].map { ValueOperations.text($0).utf8.count } == 40 << 20)
        #expect(value["w"].map { ValueOperations.text($0).utf8.count } == (1 << 20) / 4 * 5)
        // Doubling a field in a program stops at the limit instead of going on.
        let program = try RemapProgram(Array(repeating: ".x = .x + .x", count: 30).joined(separator: "\n"))
        for (text, operation) in [("replace(.x, \"a\", .x)", "replace"), ("join(.parts, .x)", "join"), (".z + .z", "+")] {
            #expect {
                var event = value
                _ = try RemapProgram(".out = " + text).run(on: &event)
            } throws: { error in
                "\(error)".contains("\(operation) would build a string of") && "\(error)".contains("the most is 67108864 (64 MiB)")
            }
        }
        #expect(throws: EvaluationError.self) { try program.run(on: &value) }
    }

    @Test("a template that would render past 4096 bytes is an error (the event is refused), not a huge path or URI")
    func templateLimit() throws {
        let template = try Template("out/{{ .a }}.ndjson")
        #expect(try template.render(Event(value: ["a": .string(String(repeating: "x", count: 4000))])).count == 4011)
        #expect(throws: EvaluationError.self) {
            try template.render(Event(value: ["a": .string(String(repeating: "x", count: 1 << 20))]))
        }
    }
}
