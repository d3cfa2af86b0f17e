@testable import SwitchyardKit
import Testing

/// Remap programs of field assignments and deletions run as byte edits of the event's JSON:
/// the result must be exactly what the tree gives (values and key order), whatever the input.
@Suite("remap as byte edits")
struct RemapByteEditTests {
    /// Runs `program` both ways on `json`; returns (bytes way, tree way), the first nil when the
    /// program fell back to the tree for this input.
    func bothWays(_ program: String, _ json: String) throws -> (bytes: JSONValue?, tree: JSONValue) {
        let remap = try RemapProgram(program)
        var tree = try JSONParser().parse(json)
        _ = try remap.run(on: &tree)
        let edited = remap.run(onJSON: Array(json.utf8)[...])
        return (try edited.map { try JSONParser().parse($0) }, tree)
    }

    @Test("programs of assignments and deletions are byte programs; others are not", arguments: [
        (".a = 1\n.b = .c\n.d = del(.e)\ndel(.f.g)", true), (".a = \"x\"; del(.b)", true),
        (".a = .b + 1", false), ("if .a == 1 { abort }", false), (".a[0] = 1", false), ("del(.a[1])", false),
        (". = {}", false),
    ])
    func recognised(program: String, editsBytes: Bool) throws {
        #expect(try RemapProgram(program).editsBytes == editsBytes)
    }

    @Test("same result as the tree, key order included", arguments: [
        // The W2 program on a shared-benchmark-like event.
        (".pipeline = \"w2\"\n.timestamp = del(.time_fired)\ndel(.data.new_state.attributes)",
         #"{"event_type":"state_changed","time_fired":"2024-03-01T00:00:00+00:00","data":{"entity_id":"sensor.t","new_state":{"state":"21","attributes":{"unit":"°C"},"last_changed":"x"}}}"#),
        ("del(.a)", #"{"a":1}"#), ("del(.a)", #"{"a":1,"b":2}"#), ("del(.b)", #"{"a":1,"b":2}"#),
        ("del(.b)", #"{"a":1,"b":2,"c":3}"#), ("del(.z)", #"{"a":1}"#), ("del(.a.b)", #"{"a":5}"#),
        ("del(.a)", #"{ "a" : [1, {"x": "}"}] , "b" : "\"q\"" }"#), ("del(.b)", #"{ "a" : 1 ,  "b" : 2 }"#),
        (".a = 2", #"{"a":1,"b":2}"#), (".c = true", #"{"a":1}"#), (".c = null", #"{}"#), (".c = 1", #"{ }"#),
        (".a.b = 1", #"{"a":{}}"#), (".a.b = 1", #"{"a":{"b":0,"c":1}}"#), (".a.c = \"x\"", #"{"a":{"b":0}}"#),
        (".x = .a.b", #"{"a":{"b":{"deep":[1,2]}}}"#), (".x = .missing", #"{"a":1}"#),
        (".x = del(.missing)", #"{"a":1}"#), (".a = del(.a)", #"{"a":1,"b":2}"#), (".b = del(.a)", #"{"a":1,"b":2}"#),
        ("del(.ab)", #"{"a\u0062":1,"c":2}"#), (".a = 3", #"{"a":1,"b":2,"a":9}"#), ("del(.a)", #"{"a":1,"b":2,"a":9}"#),
        (".\"sp ace\" = \"é\\n\"", #"{"k":"v"}"#), (".a = 1.5e3", #"{"k":"v"}"#),
        // Renames in one pass: the target existing before or after, missing, the source last or alone, repeated keys.
        (".b = del(.a)", #"{"b":0,"a":1}"#), (".a = del(.b)", #"{"a":1,"b":2}"#), (".c = del(.a)", #"{"a":1}"#),
        (".c = del(.a)", #"{"x":1,"a":2}"#), (".c = del(.a)", #"{ "a" : 1 , "x" : 2 }"#), (".b = del(.a)", #"{"a":1,"b":2,"a":9}"#),
        (".b = del(.a)", #"{"b":1,"a":2,"b":3}"#), (".c = del(.a)", #"{}"#), (".a.y = del(.a.x)", #"{"a":{"x":[1],"z":2}}"#),
        // Steps on separate fields, in one pass: new members in program order, cuts that empty an
        // object, cuts next to each other (which share a comma), nested edits beside root ones.
        (".p = 1\n.q = del(.a)\ndel(.d.e)", #"{"a":"x","d":{"e":1,"f":2}}"#), ("del(.a)\ndel(.b)", #"{"a":1,"b":2}"#),
        ("del(.a)\ndel(.b)", #"{"a":1,"b":2,"c":3}"#), ("del(.b)\ndel(.c)", #"{"a":1,"b":2,"c":3}"#),
        (".x = del(.a)\n.y = 2", #"{"a":1}"#), (".x = .d.e\ndel(.a)\n.d.g = true", #"{"a":0,"d":{"e":[1]}}"#),
        (".n = 1\n.m = 2", #"{ }"#), ("del(.a)\n.z = 1", #"{ "a" : 1 }"#), (".a = 5\ndel(.b)", #"{"a":1,"b":{"c":2}}"#),
    ])
    func sameAsTree(program: String, json: String) throws {
        let (bytes, tree) = try bothWays(program, json)
        #expect(bytes == tree, "\(program) on \(json)")
        // Read from a line, the event's keys are known unique (when they are): steps on separate
        // fields are then planned on the original text and written in one pass.
        let event = try #require(try Event(jsonLine: Array(json.utf8)[...], metadata: EventMetadata()))
        if let edited = try RemapProgram(program).runAsEdits(event) {
            #expect(edited.value == tree, "\(program) on \(json) (as an event)")
        }
    }

    @Test("steps on separate fields run in one pass; steps on the same field or inside each other do not", arguments: [
        (".pipeline = \"w2\"\n.timestamp = del(.time_fired)\ndel(.data.new_state.attributes)", true),
        (".a = 1\n.b = .c", true), (".a = del(.a)", false), (".a.b = .a", false), ("del(.a)\n.a = 1", false), (".a = .b\n.b = 2", false),
    ])
    func onePass(program: String, independent: Bool) throws {
        let statements = try RemapProgram(program).statements
        let byteProgram = try #require(RemapByteProgram(statements))
        #expect(byteProgram.independent == independent)
        if independent {
            let json = #"{"time_fired":"t","c":[1],"data":{"new_state":{"state":"1","attributes":{}}}}"#
            let onePass = try #require(byteProgram.applyInOnePass(to: Array(json.utf8)[...]))
            #expect(try JSONParser().parse(onePass) == (try JSONParser().parse(try #require(byteProgram.apply(to: Array(json.utf8)[...], uniqueKeys: false)))))
        }
    }

    @Test("a parent the tree would create, or a non-object in the way, falls back to the tree", arguments: [
        (".a.b = 1", #"{}"#), (".a.b = 1", #"{"a":null}"#), (".a.b = 1", #"{"a":3}"#), (".a.b.c = 1", #"{"a":{}}"#),
    ])
    func fallsBack(program: String, json: String) throws {
        let remap = try RemapProgram(program)
        #expect(remap.run(onJSON: Array(json.utf8)[...]) == nil)
    }

    @Test("random objects and random programs: always the tree's result")
    func randomised() throws {
        var generator = SplitMix(seed: 42)
        let keys = ["a", "b", "c", "d"]
        func randomValue(depth: Int) -> JSONValue {
            switch generator.next() % (depth > 2 ? 4 : 6) {
            case 0: return .int(Int64(generator.next() % 100))
            case 1: return .string("s\(generator.next() % 10)")
            case 2: return .bool(generator.next() % 2 == 0)
            case 3: return .null
            case 4: return .array((0..<(generator.next() % 3)).map { _ in randomValue(depth: depth + 1) })
            default:
                return .object(JSONObject((0..<(generator.next() % 4)).map { index in (key: keys[Int(index)], value: randomValue(depth: depth + 1)) }))
            }
        }
        func randomPath() -> String { (0..<(1 + generator.next() % 2)).map { _ in "." + keys[Int(generator.next() % 4)] }.joined() }
        var compared = 0
        for _ in 0..<2000 {
            let object = JSONValue.object(JSONObject(keys.shuffled(using: &generator).prefix(Int(generator.next() % 5)).map {
                (key: $0, value: randomValue(depth: 1))
            }))
            let program = (0..<(1 + generator.next() % 3)).map { _ -> String in
                switch generator.next() % 4 {
                case 0: return "\(randomPath()) = \(generator.next() % 9)"
                case 1: return "\(randomPath()) = \(randomPath())"
                case 2: return "\(randomPath()) = del(\(randomPath()))"
                default: return "del(\(randomPath()))"
                }
            }.joined(separator: "\n")
            let json = JSONWriter.string(object)
            let remap = try RemapProgram(program)
            var tree = object
            let treeResult: JSONValue? = (try? remap.run(on: &tree)) == nil ? nil : tree
            guard let edited = remap.run(onJSON: Array(json.utf8)[...]) else { continue }
            compared += 1
            #expect(try JSONParser().parse(edited) == treeResult, "\(program)\non \(json)")
            // The same through an event read from a line: its keys are known to be unique, so
            // members are taken at their first occurrence; the result must not change.
            let event = try #require(try Event(jsonLine: Array(json.utf8)[...], metadata: EventMetadata()))
            #expect(remap.runAsEdits(event)?.value == treeResult, "\(program)\non \(json) (unique keys)")
        }
        #expect(compared > 500, "most random programs ran as byte edits")
    }

    @Test("chains of remaps on events from lines: each edited event carries its root keys on; always the tree's result")
    func randomChains() throws {
        var generator = SplitMix(seed: 7)
        // Few names, so that chains set fields that exist, were deleted, or were just added.
        let names = ["a", "b", "c", "tag", "n1", "n2"]
        func randomName() -> String { names[Int(generator.next() % UInt64(names.count))] }
        var ranAsEdits = 0
        for _ in 0..<1000 {
            var tree = JSONValue.object(JSONObject(names.shuffled(using: &generator).prefix(Int(generator.next() % 4)).map {
                (key: $0, value: .object(JSONObject([(key: "x", value: .int(Int64(generator.next() % 9)))])))
            }))
            var event = try #require(try Event(jsonLine: Array(JSONWriter.string(tree).utf8)[...], metadata: EventMetadata()))
            var programs: [String] = []
            for _ in 0..<(1 + generator.next() % 4) {
                let program = (0..<(1 + generator.next() % 3)).map { _ -> String in
                    switch generator.next() % 5 {
                    case 0, 1: return ".\(randomName()) = \(generator.next() % 9)"
                    case 2: return ".\(randomName()) = del(.\(randomName()))"
                    case 3: return ".\(randomName()) = .\(randomName()).x"
                    default: return "del(.\(randomName()))"
                    }
                }.joined(separator: "\n")
                programs.append(program)
                let remap = try RemapProgram(program)
                _ = try remap.run(on: &tree)
                if let edited = remap.runAsEdits(event) {
                    ranAsEdits += 1
                    event = edited
                } else {
                    event = Event(value: tree)
                }
                #expect(event.value == tree, "\(programs.joined(separator: " | "))")
            }
        }
        #expect(ranAsEdits > 1000, "most steps of the chains ran as byte edits")
    }

    @Test("a remap adding root fields edits an event's own bytes in place; a copy held elsewhere keeps its value")
    func inPlace() throws {
        let line = Array(#"{"a":{"x":1},"b":2}"#.utf8)
        var event = try #require(try Event(jsonLine: line[...], metadata: EventMetadata()))
        func address(_ event: Event) -> UnsafeRawPointer? { event.rawJSON?.withUnsafeBytes { $0.baseAddress } }
        // The first edit copies the text out of the line's buffer, with room for more.
        #expect(try RemapProgram(".c = 3").runAsEdits(inPlace: &event))
        let owned = address(event)
        #expect(try RemapProgram(".d = true").runAsEdits(inPlace: &event))
        #expect(address(event) == owned, "the event's own bytes grew in place")
        let held = event
        #expect(try RemapProgram(".e = \"x\"").runAsEdits(inPlace: &event))
        #expect(held.rawJSON.map { String(decoding: $0, as: UTF8.self) } == #"{"a":{"x":1},"b":2,"c":3,"d":true}"#)
        #expect(event.rawJSON.map { String(decoding: $0, as: UTF8.self) } == #"{"a":{"x":1},"b":2,"c":3,"d":true,"e":"x"}"#)
        // Setting a field that is there is not an insertion: the program's general path replaces it.
        #expect(try RemapProgram(".c = 4").runAsEdits(inPlace: &event))
        #expect(event.value == (try JSONParser().parse(#"{"a":{"x":1},"b":2,"c":4,"d":true,"e":"x"}"#)))
    }

    @Test("a name whose filter bits collide with a key that is there is looked for, and added once")
    func filterCollision() throws {
        let json = #"{"a":{"x":1},"b":2}"#
        let event = try #require(try Event(jsonLine: Array(json.utf8)[...], metadata: EventMetadata()))
        let rootKeys = try #require(event.unparsedText?.rootKeys)
        // A name the filter cannot rule out although the root does not have it.
        let colliding = try #require((0..<1_000_000).lazy.map { "k\($0)" }.first { rootKeys.contains(KeyFilter(name: $0)!) })
        for program in [".\(colliding) = 1", ".\(colliding) = 1\n.z = 2", ".\(colliding) = del(.b)"] {
            var tree = try JSONParser().parse(json)
            _ = try RemapProgram(program).run(on: &tree)
            let edited = try #require(try RemapProgram(program).runAsEdits(event))
            #expect(edited.value == tree, "\(program)")
        }
    }
}

/// A small seeded random generator, so that the randomised test is the same every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
