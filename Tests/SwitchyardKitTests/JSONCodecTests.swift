import Testing
@testable import SwitchyardKit

@Suite("JSON codec")
struct JSONCodecTests {
    let parser = JSONParser()

    private func roundTrip(_ text: String) throws -> String {
        let value = try parser.parse(text)
        let encoded = JSONWriter.string(value)
        #expect(try parser.parse(encoded) == value, "re-parsing the encoding of \(text) changed the value")
        return encoded
    }

    @Test("compact values round-trip to the same text", arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"[]"#, #"{}"#, #"[[],{},[{}]]"#,
        #""plain""#,
        #"-0.5"#, #"21.5"#, #"1e-05"#, #"1.7976931348623157e+308"#,
        #"9223372036854775807"#, #"-9223372036854775808"#,
        #"123456789012345678901234567890"#,
        #""°C ü 中文 😀""#,
    ])
    func compactRoundTrip(text: String) throws {
        #expect(try roundTrip(text) == text)
    }

    @Test("escapes decode to the right characters and re-encode minimally")
    func escapes() throws {
        let value = try parser.parse(#""q\"b\\s\/n\nt\tr\rb\bf\fu\u0041\u00e9\u0001""#)
        #expect(value == .string("q\"b\\s/n\nt\tr\rb\u{8}f\u{c}uAé\u{1}"))
        #expect(JSONWriter.string(value) == #""q\"b\\s/n\nt\tr\rb\bf\fuAé\u0001""#)
    }

    @Test("surrogate pairs combine into one scalar")
    func surrogatePairs() throws {
        #expect(try parser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parser.parse(#""\uD834\uDD1E""#) == .string("𝄞"))
    }

    @Test("numbers keep their exact value")
    func numbers() throws {
        #expect(try parser.parse("42") == .int(42))
        #expect(try parser.parse("-7") == .int(-7))
        #expect(try parser.parse("2.5E3") == .double(2500))
        #expect(try parser.parse("18446744073709551616") == .number("18446744073709551616"))
        #expect(try parser.parse("1e400") == .number("1e400"))
        #expect(try parser.parse("1e-400") == .number("1e-400"))
        #expect(try parser.parse("0.0") == .double(0))
        #expect(JSONWriter.string(try parser.parse("0.1")) == "0.1")
    }

    @Test("decimals give strtod's double, bit for bit, on the fast path and off it")
    func decimalsMatchStrtod() throws {
        var generator = SystemRandomNumberGenerator()
        func digits(_ count: Int) -> String { String((0..<count).map { _ in "0123456789".randomElement(using: &generator)! }) }
        var texts = ["0.1", "-0.0", "0.0", "21.5", "9007199254740992.5", "9007199254740993.0", "0.0000000000000000000001",
                     "0.00000000000000000000001", "1.7976931348623157", "4503599627370497.5", "-123456789012.34567", "1.5e3",
                     "18446744073709551616.5", "0.30000000000000004"]
        for _ in 0..<20_000 {
            let integer = Int.random(in: 0...3, using: &generator) == 0 ? "0" : String(Int.random(in: 1...9, using: &generator)) + digits(Int.random(in: 0...17, using: &generator))
            let sign = Bool.random(using: &generator) ? "-" : ""
            texts.append(sign + integer + "." + digits(Int.random(in: 1...25, using: &generator)))
        }
        for text in texts {
            guard case .double(let parsed) = try JSONParser().parse(text) else {
                Issue.record("\(text) did not parse as a double")
                continue
            }
            #expect(parsed.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test("white space around and inside values is accepted")
    func whitespace() throws {
        #expect(try parser.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n") == ["a": [1, 2]])
    }

    @Test("invalid input is rejected with the byte offset", arguments: [
        (#"{"a":1,}"#, 7),
        (#"[1,2"#, 4),
        (#"{"a" 1}"#, 5),
        (#""abc"#, 0),
        (#""\x""#, 2),
        (#"01"#, 1),
        (#"1."#, 2),
        (#"-"#, 1),
        (#"tru"#, 0),
        (#"nul!"#, 3),
        (#"{"a":1} x"#, 8),
        (#""\ud83d""#, 1),
        (#""\ude00""#, 1),
        ("", 0),
        ("[1,]", 3),
        ("\"a\u{1}\"", 2),
    ])
    func rejects(text: String, offset: Int) {
        #expect {
            try parser.parse(text)
        } throws: { error in
            (error as? JSONParseError)?.offset == offset
        }
    }

    @Test("validation accepts and rejects exactly what parsing does", arguments: [
        #"{"a":[1,2.5,"x\u00e9",null,true]}"#, #"{"a":1,}"#, #"[1,2"#, #""\ud83d""#, #"01"#, "", #"{"a":"°C"}"#,
    ])
    func validateMatchesParse(text: String) {
        let bytes = Array(text.utf8)
        let parseError = Result { try parser.parse(bytes) }.error as? JSONParseError
        let validateError = Result { try bytes.withUnsafeBufferPointer { try parser.validate(buffer: $0) } }.error
            as? JSONParseError
        #expect(parseError == validateError)
    }

    @Test("the validator accepts exactly what the reader does: tricky texts, then 20,000 random mutations of an event")
    func validatorMatchesReader() {
        func agree(_ text: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) -> Bool {
            text.withUnsafeBufferPointer { buffer in
                var validator = JSONValidator(bytes: buffer, maximumDepth: maximumDepth)
                let valid = (try? validator.validate()) != nil
                let parsed = (try? JSONParser(maximumDepth: maximumDepth).parse(buffer: buffer)) != nil
                return valid == parsed
            }
        }
        let tricky = [
            "0", "-0", "-", "01", "-01", "1.", "1.5", ".5", "1e", "1e+", "1E5", "1e-07", "-0.0e-0", "1ee5", "2.e3", "12a",
            "true", "tru", "truex", "false", "fals", "null", "nul", "nulll", "[]", "{}", "[", "]", "[1,]", "[,1]", "{,}",
            #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{"a":1"b":2}"#, #"{1:2}"#, #""\u00e9""#, #""\ud83d\ude00""#, #""\ud83d""#,
            #""\ude00""#, #""\ud83dx""#, #""\u12""#, #""\uZZZZ""#, #""\x""#, #""\"#, #""\\""#, #""abc"#, " [1 , 2 ] ", "[1] x",
            "", " ", "\"a\u{1}\"", "\"\u{7F}\"", #"{"k":"v","k":"w"}"#, #"[{"a":[{"b":[[[]]]}]}]"#,
        ].map { Array($0.utf8) } + [[0x22, 0xC3, 0xA9, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                                    [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22]]
        for text in tricky { #expect(agree(text), "\(String(decoding: text, as: UTF8.self))") }
        #expect(agree(Array(String(repeating: "[", count: 5).utf8) + Array(String(repeating: "]", count: 5).utf8), maximumDepth: 4))
        #expect(agree(Array(String(repeating: "[", count: 4).utf8) + Array(String(repeating: "]", count: 4).utf8), maximumDepth: 4))
        let event = Array(#"{"event_type":"state_changed","n":-12.5e3,"ok":true,"none":null,"tags":["a","b\n\u00e9",1],"data":{"entity_id":"sensor.é","v":0}}"#.utf8)
        let alphabet = Array(#"{}[]":,\-+.eE0159tfnu"x é"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var text = event
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let place = Int.random(in: 0..<text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text[place] = alphabet.randomElement(using: &random)!
                case 1: text.insert(alphabet.randomElement(using: &random)!, at: place)
                default: text.remove(at: place)
                }
            }
            #expect(agree(text), "\(text)")
        }
    }

    @Test("a special byte at every place of strings of every length (the eight-byte scans' edges): parse, validate and the path scanner agree")
    func wordEdges() throws {
        // (bytes inside the string, what they decode to; nil: invalid at the special byte's offset)
        let specials: [([UInt8], String?)] = [
            (Array(#"\""#.utf8), "\""), (Array(#"\\"#.utf8), "\\"), (Array(#"\u00e9"#.utf8), "é"), ([0xC3, 0xA9], "é"),
            ([0xF0, 0x9F, 0x98, 0x80], "😀"), ([0x01], nil), ([0x1F], nil), ([0xFF], nil), ([0xC3, 0x28], nil), ([0x7F], "\u{7F}"),
        ]
        for length in 0..<24 {
            for place in 0...length {
                for (special, decoded) in specials {
                    var inside = Array(repeating: UInt8(ascii: "x"), count: length)
                    inside.insert(contentsOf: special, at: place)
                    let text: [UInt8] = Array(#"{"k":""#.utf8) + inside + Array(#"","after":[1,{"n":"v"}]}"#.utf8)
                    let parsed = Result { try parser.parse(text) }
                    let validated = Result { try text.withUnsafeBufferPointer { try parser.validate(buffer: $0) } }
                    #expect(parsed.error as? JSONParseError == validated.error as? JSONParseError)
                    guard let decoded else {
                        #expect((parsed.error as? JSONParseError)?.offset == 6 + place, "length \(length) place \(place) \(special)")
                        continue
                    }
                    let expected = String(repeating: "x", count: place) + decoded + String(repeating: "x", count: length - place)
                    #expect(try parsed.get()["k"] == .string(expected), "length \(length) place \(place) \(special)")
                    #expect(JSONPathScanner.value(at: Path([.field("after"), .index(1), .field("n")]), in: text[...]) == .string("v"))
                    #expect(JSONPathScanner.value(at: Path([.field("k")]), in: text[...]) == .string(expected))
                }
            }
        }
    }

    @Test("validation reports whether any object repeats a key", arguments: [
        (#"{"a":1,"b":{"a":2,"b":[{"a":3,"c":4}]}}"#, true), (#"{"a":{"x":1},"b":{"x":2}}"#, true), (#"[1,{"k":1},{"k":2}]"#, true),
        (#"{"a":1,"b":2,"a":3}"#, false), (#"{"o":{"x":1,"y":{"x":2},"x":3}}"#, false), (#"[{"p":{"q":1,"q":1}}]"#, false),
        (#"{"":1,"":2}"#, false), (#"{"ab":1,"a\u0062":2}"#, false), (#"{"e\n":1}"#, false), ("3", true),
        // Many keys: the filter saturates; after 16 exact checks in one object the answer is "not
        // known" (false), so that a hostile object of 100k keys costs no quadratic work.
        ("{" + (0..<30).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}", true),
        ("{" + (0..<200).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k17\":0}", false),
        ("{" + (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}", false),
    ])
    func reportsRepeatedKeys(text: String, unique: Bool) throws {
        let bytes = Array(text.utf8)
        #expect(try bytes.withUnsafeBufferPointer { try parser.validateReportingKeys(buffer: $0) } == unique)
    }

    @Test("a lookup takes the last of repeated keys, also on an event read from a line")
    func repeatedKeyLookup() throws {
        let event = try #require(try Event(jsonLine: Array(#"{"a":{"b":1},"x":0,"a":{"b":2}}"#.utf8)[...], metadata: EventMetadata()))
        #expect(try Expression(".a.b == 2").evaluate(event) == .bool(true))
        let unique = try #require(try Event(jsonLine: Array(#"{"a":{"b":1},"x":{"b":5}}"#.utf8)[...], metadata: EventMetadata()))
        #expect(try Expression(".a.b + .x.b").evaluate(unique) == .int(6))
    }

    @Test("invalid UTF-8 in a string is rejected at its byte")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
        #expect {
            try parser.parse(bytes)
        } throws: { error in
            (error as? JSONParseError)?.offset == 2
        }
    }

    @Test("nesting past the limit is an error, not a crash")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            try parser.parse(deep)
        } throws: { error in
            (error as? JSONParseError)?.reason.contains("nesting deeper than 128") == true
        }
        let atLimit = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try parser.parse(atLimit) }
        #expect(throws: (any Error).self) { try JSONParser(maximumDepth: 3).parse("[[[[1]]]]") }
    }

    @Test("control characters are escaped on output")
    func controlCharacters() {
        #expect(JSONWriter.string(.string("a\u{0}b\u{1f}")) == #""a\u0000b\u001f""#)
    }

    @Test("pretty output is valid JSON of the same value")
    func pretty() throws {
        let value = try parser.parse(#"{"a":[1,{"b":null}],"c":{}}"#)
        var buffer: [UInt8] = []
        JSONWriter.writePretty(value, into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains("\n  \"a\": [\n"))
        #expect(try parser.parse(text) == value)
    }

    @Test("an unchanged event re-uses its original text; a changed one is encoded anew")
    func rawJSONReuse() throws {
        let raw = Array(#"{"b": 1,  "a": "x"}"#.utf8)
        try raw.withUnsafeBufferPointer { try parser.validate(buffer: $0) }
        var event = Event(validatedJSON: raw[...])
        var buffer: [UInt8] = []
        event.writeJSON(into: &buffer)
        #expect(buffer == raw)
        #expect(event.value["a"] == "x")
        #expect(event.rawJSON != nil, "reading the value must not drop the original text")
        event.value["c"] = true
        #expect(event.rawJSON == nil)
        buffer = []
        event.writeJSON(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"{"b":1,"a":"x","c":true}"#)
    }

    @Test("object members keep their order; setting nil removes")
    func objectOrder() {
        var object = JSONObject()
        object["z"] = 1
        object["a"] = 2
        object["z"] = 3
        #expect(object.keys == ["z", "a"])
        #expect(object["z"] == 3)
        object["z"] = nil
        #expect(object.keys == ["a"])
    }
}

extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
