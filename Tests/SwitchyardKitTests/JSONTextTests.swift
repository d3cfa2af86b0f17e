import Testing
@testable import SwitchyardKit

@Suite("JSON text in parts")
struct JSONTextTests {
    private func text(_ string: String) throws -> JSONText {
        try JSONText(validating: Array(string.utf8)[...])
    }

    private func string(_ part: JSONText?) -> String? {
        part.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    @Test("array elements are slices of the text, whatever the spacing and nesting")
    func elements() throws {
        let document = try text(" [ {\"a\" : [1, 2]} ,\n\"s,]\" , 3.5e1,[[]] , {} ,null ] ")
        #expect(document.isArray)
        #expect(document.elements.map(string) == [#"{"a" : [1, 2]}"#, #""s,]""#, "3.5e1", "[[]]", "{}", "null"])
        #expect(try text("[]").elements.isEmpty)
        #expect(try text(" [ ] ").elements.isEmpty)
        #expect(try text(#"{"a":1}"#).elements.isEmpty)
    }

    @Test("members: the last of repeated names, nil for missing names and non-objects")
    func members() throws {
        let document = try text(#"{"type":"x","event":{"k":[1,{"z":2}]},"type" : "y","e\u0076ent2":1}"#)
        #expect(document.isObject)
        #expect(document.uniqueKeys == false)
        #expect(string(document.member("type")) == #""y""#)
        #expect(document.member("type")?.value == "y")
        #expect(string(document.member("event")) == #"{"k":[1,{"z":2}]}"#)
        #expect(document.member("event")?.member("k")?.elements.count == 2)
        #expect(document.member("missing") == nil)
        #expect(try text("[1]").member("type") == nil)
        #expect(try text(#""type""#).member("type") == nil)
    }

    @Test("an event from a part holds the part's bytes and the document's key answer")
    func events() throws {
        let document = try text(#"[{"id":1,"event":{"b":2,"a":1}},{"id":2,"event":{"c":3}}]"#)
        #expect(document.uniqueKeys)
        let events = document.elements.compactMap { $0.member("event")?.event(metadata: EventMetadata()) }
        #expect(events.map { $0.rawJSON.map { String(decoding: $0, as: UTF8.self) } } == [#"{"b":2,"a":1}"#, #"{"c":3}"#])
        #expect(events[0].value == ["b": 2, "a": 1])
    }

    @Test("text that is not one JSON value is refused", arguments: [
        "", " ", "[1,]", #"{"a":1} {"b":2}"#, "[1", #"{"a"}"#, "\u{FEFF}{}",
    ])
    func refused(input: String) {
        #expect(throws: JSONParseError.self) { try JSONText(validating: Array(input.utf8)[...]) }
    }

    @Test("nesting deeper than the limit is refused, not a crash")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONText(validating: Array(deep.utf8)[...]) }
        #expect(throws: JSONParseError.self) { try JSONText(validating: Array("[[[1]]]".utf8)[...], maximumDepth: 2) }
    }
}
