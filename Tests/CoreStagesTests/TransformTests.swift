import Foundation
@testable import CoreStages
import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("transforms")
struct TransformTests {
    let harness = Fixture.harness

    private func values(_ name: String) -> [JSONValue] { harness.collector.events(name).map(\.value) }

    @Test("filter keeps matching events, discards (and counts) the rest")
    func filter() async throws {
        let out = Fixture.unique("out")
        let metrics = try await harness.run("""
            sources:
              src: { type: memory, events: [{ id: "sensor.a" }, { id: "light.b" }, { id: "sensor.c" }] }
            transforms:
              sensors: { type: filter, inputs: [src], condition: 'starts_with(.id, "sensor.")' }
            sinks:
              out: { type: collect, inputs: [sensors], name: \(out) }
            """)
        #expect(values(out).map { $0["id"] } == ["sensor.a", "sensor.c"])
        #expect(metrics["sensors"]?.discarded == 1)
        #expect(metrics["sensors"]?.dropped == 0)
    }

    @Test("a filter that keeps few events passes them on with text of their own, not slices of the read chunk they came in")
    func sparseOutputsDetached() async throws {
        let directory = try Fixture.directory()
        try Fixture.append((0..<1_000).map { "{\"n\":\($0)}\n" }.joined(), to: "\(directory)/in.ndjson")
        let (rare, all) = (Fixture.unique("rare"), Fixture.unique("all"))
        _ = try await harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            transforms:
              rare: { type: filter, inputs: [in], condition: '.n == 500' }
              all: { type: filter, inputs: [in], condition: '.n >= 0' }
            sinks:
              out_rare: { type: collect, inputs: [rare], name: \(rare) }
              out_all: { type: collect, inputs: [all], name: \(all) }
            """)
        // Kept 1 of 1,000: its text is a buffer of its own (a slice of the whole of it), so
        // holding it does not hold the chunk. Kept all: still slices of the chunk, no copy.
        let kept = try #require(harness.collector.events(rare).first?.rawJSON)
        #expect(kept.startIndex == 0 && Array(kept) == Array(#"{"n":500}"#.utf8))
        let shared = try #require(harness.collector.events(all).first { $0.value["n"] == 500 }?.rawJSON)
        #expect(shared.startIndex > 0)
    }

    @Test("an evaluation error drops and counts the event by default")
    func errorsDropped() async throws {
        let out = Fixture.unique("out")
        let metrics = try await harness.run("""
            sources:
              src: { type: memory, events: [{ v: "1" }, { v: "abc" }, { v: "30" }] }
            transforms:
              big: { type: filter, inputs: [src], condition: 'to_number(.v) > 10' }
            sinks:
              out: { type: collect, inputs: [big], name: \(out) }
            """)
        #expect(values(out).map { $0["v"] } == ["30"])
        #expect(metrics["big"]?.errors == 1)
        #expect(metrics["big"]?.dropped == 1)
        #expect(metrics["big"]?.discarded == 1)
    }

    @Test("drop_on_error: false sends failed events to <id>.errors with the error attached")
    func errorsOutput() async throws {
        let (out, failed) = (Fixture.unique("out"), Fixture.unique("failed"))
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ v: "5" }, { v: "abc" }] }
            transforms:
              shaped:
                type: remap
                inputs: [src]
                drop_on_error: false
                source: .number = to_number(.v)
            sinks:
              out: { type: collect, inputs: [shaped], name: \(out) }
              failed: { type: collect, inputs: [shaped.errors], name: \(failed) }
            """)
        #expect(values(out).map { $0["number"] } == [5])
        let errors = values(failed)
        #expect(errors.count == 1)
        #expect(errors.first?["v"] == "abc")
        #expect(errors.first?["number"] == nil, "the failed event is the original, not half-changed")
        #expect(errors.first?["_error"]?["stage"] == "shaped")
        #expect(errors.first?["_error"]?["message"] == #"to_number: "abc" is not a number (at test.yaml:8:23)"#,
                "a runtime error names the file position, as load errors do")
    }

    @Test("remap reshapes; abort discards")
    func remap() async throws {
        let out = Fixture.unique("out")
        let metrics = try await harness.run("""
            sources:
              src: { type: memory, events: [{ time_fired: t1, data: { keep: 1, attributes: {} } }, { skip: true }] }
            transforms:
              shaped:
                type: remap
                inputs: [src]
                source: |
                  if exists(.skip) { abort }
                  .pipeline = "w2"
                  .timestamp = del(.time_fired)
                  del(.data.attributes)
            sinks:
              out: { type: collect, inputs: [shaped], name: \(out) }
            """)
        #expect(values(out) == [["data": ["keep": 1], "n": 1, "pipeline": "w2", "timestamp": "t1"]])
        #expect(metrics["shaped"]?.discarded == 1)
    }

    @Test("route sends an event to every matching route, the rest to _unmatched")
    func route() async throws {
        let (hot, sensors, rest) = (Fixture.unique("hot"), Fixture.unique("sensors"), Fixture.unique("rest"))
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ id: sensor.a, t: 25 }, { id: sensor.b, t: 10 }, { id: light.c, t: 30 }, { id: switch.d }] }
            transforms:
              split:
                type: route
                inputs: [src]
                routes:
                  sensors: 'starts_with(.id, "sensor.")'
                  hot: '.t ?? 0 > 20'
            sinks:
              hot: { type: collect, inputs: [split.hot], name: \(hot) }
              sensors: { type: collect, inputs: [split.sensors], name: \(sensors) }
              rest: { type: collect, inputs: [split._unmatched], name: \(rest) }
            """)
        #expect(values(hot).map { $0["id"] } == ["sensor.a", "light.c"])
        #expect(values(sensors).map { $0["id"] } == ["sensor.a", "sensor.b"])
        #expect(values(rest).map { $0["id"] } == ["switch.d"])
    }

    @Test("sample keeps 1 in rate; with a key the choice is the same for the same key")
    func sample() async throws {
        let (every, keyed) = (Fixture.unique("every"), Fixture.unique("keyed"))
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ k: a }, { k: b }, { k: c }, { k: d }], repeat: 25 }
            transforms:
              tenth: { type: sample, inputs: [src], rate: 10 }
              by_key: { type: sample, inputs: [src], rate: 2, key: .k }
            sinks:
              every: { type: collect, inputs: [tenth], name: \(every) }
              keyed: { type: collect, inputs: [by_key], name: \(keyed) }
            """)
        #expect(values(every).count == 10)
        let kept = Dictionary(grouping: values(keyed), by: { $0["k"]!.stringValue! }).mapValues(\.count)
        #expect(kept.values.allSatisfy { $0 == 25 }, "a key is kept every time or never: \(kept)")
        #expect(!kept.isEmpty && kept.count < 4)
    }

    @Test("throttle lets threshold events per window and key through, discarding the excess")
    func throttle() async throws {
        let out = Fixture.unique("out")
        let metrics = try await harness.run("""
            sources:
              src: { type: memory, events: [{ k: a }, { k: b }], repeat: 10 }
            transforms:
              limited: { type: throttle, inputs: [src], threshold: 3, window: 1h, key: .k }
            sinks:
              out: { type: collect, inputs: [limited], name: \(out) }
            """)
        #expect(values(out).map { $0["k"] } == ["a", "b", "a", "b", "a", "b"])
        #expect(metrics["limited"]?.discarded == 14)
    }

    @Test("dedupe discards repeats of recent keys")
    func dedupe() async throws {
        let out = Fixture.unique("out")
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ c: { id: 1 }, t: x }, { c: { id: 1 }, t: x }, { c: { id: 2 }, t: x }, { c: { id: 1 }, t: y }, { c: { id: 2 }, t: x }] }
            transforms:
              unique: { type: dedupe, inputs: [src], fields: [.c.id, .t], cache_size: 10 }
            sinks:
              out: { type: collect, inputs: [unique], name: \(out) }
            """)
        #expect(values(out).map { $0["n"] } == [1, 3, 4])
    }

    @Test("the cache of recent keys forgets the least recently seen")
    func recentKeys() {
        var cache = RecentKeys(capacity: 2)
        // "c" evicts "b", because "a" was seen more recently.
        let answers = ["a", "b", "a", "c", "a", "b"].map { cache.insert(KeyDigest(.string($0))) }
        #expect(answers == [true, true, false, true, false, true])
    }

    @Test("keys are remembered as digests: equal values alike, a string apart from the number it spells, size irrelevant")
    func keyDigests() {
        let large = String(repeating: "x", count: 1 << 20)
        #expect(KeyDigest(.string(large)) == KeyDigest(.string(large)))
        #expect(KeyDigest(.string(large)) != KeyDigest(.string(large + "y")))
        #expect(KeyDigest(.string("1")) != KeyDigest(.int(1)))
        #expect(KeyDigest(.array([.string("a"), .null])) == KeyDigest(.array([.string("a"), .null])))
        #expect(KeyDigest(.array([.string("a"), .null])) != KeyDigest(.array([.null, .string("a")])))
        #expect(MemoryLayout<KeyDigest>.size == 16)
    }

    @Test("an expression error in YAML points at the file position of the character", arguments: [
        ("    condition: 'lenght(.a) > 1'", "7:17: transforms.t.condition: unknown function 'lenght'; did you mean 'length'?"),
        ("    condition: .a == ", "7:21: transforms.t.condition: expected a value, a path or a function call, found the end"),
        ("    condition: |\n      .a == 1 &&\n        nope(.b)", "9:9: transforms.t.condition: unknown function 'nope'"),
    ])
    func expressionPositions(line: String, expected: String) {
        let yaml = """
            sources:
              src: { type: memory, events: [] }
            transforms:
              t:
                type: filter
                inputs: [src]
            \(line)
            sinks:
              out: { type: blackhole, inputs: [t] }
            """
        do {
            _ = try harness.load(yaml)
            Issue.record("expected a load error")
        } catch {
            let first = error.diagnostics.first.map { "\($0.location.line):\($0.location.column): \($0.message)" } ?? ""
            #expect(first.hasPrefix(expected), "\(first)")
            #expect(first.contains("^"), "the message shows a caret under the column")
        }
    }

    @Test("option problems of transforms are load errors")
    func optionProblems() {
        let cases = [
            "{ type: sample, inputs: [src], rate: 0 }",
            "{ type: throttle, inputs: [src], threshold: 1, window: 0s }",
            "{ type: route, inputs: [src], routes: { _unmatched: 'true' } }",
            "{ type: dedupe, inputs: [src], fields: [entity] }",
            "{ type: filter, inputs: [src], condition: '1 + 1' }",
        ]
        for stage in cases {
            #expect(throws: ConfigurationError.self, "\(stage)") {
                try harness.load("sources:\n  src: { type: memory, events: [] }\ntransforms:\n  t: \(stage)\nsinks:\n  out: { type: blackhole, inputs: [t] }\n")
            }
        }
    }

    @Test("chained remaps that add fields, with a fan-out in the middle: each consumer sees its own events (edits in place never reach a shared copy)")
    func chainedRemapsWithFanOut() async throws {
        let directory = try Fixture.directory()
        let lines = (0..<3_000).map { #"{"n":\#($0),"nested":{"k":"v"}}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        let (early, late) = (Fixture.unique("early"), Fixture.unique("late"))
        try await Fixture.harness.run("""
            sources:
              in: { type: file, path: "\(directory)/in.ndjson", follow: false }
            transforms:
              first: { type: remap, inputs: [in], source: ".a = 1" }
              second: { type: remap, inputs: [first], source: ".b = 2" }
              third: { type: remap, inputs: [second], source: ".c = 3" }
            sinks:
              early: { type: collect, inputs: [first], name: \(early) }
              late: { type: collect, inputs: [third], name: \(late) }
            """)
        let earlyEvents = Fixture.harness.collector.events(early)
        let lateEvents = Fixture.harness.collector.events(late)
        #expect(earlyEvents.count == 3_000)
        #expect(lateEvents.count == 3_000)
        for n in [0, 1, 1_500, 2_999] {
            #expect(earlyEvents[n].rawJSON.map { String(decoding: $0, as: UTF8.self) } == #"{"n":\#(n),"nested":{"k":"v"},"a":1}"#)
            #expect(lateEvents[n].rawJSON.map { String(decoding: $0, as: UTF8.self) } == #"{"n":\#(n),"nested":{"k":"v"},"a":1,"b":2,"c":3}"#)
        }
    }
}

