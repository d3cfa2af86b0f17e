import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("generator source")
struct GeneratorSourceTests {
    @Test("makes count events, numbered from 1, from an event object")
    func eventObject() async throws {
        let out = Fixture.unique("out")
        try await Fixture.harness.run("""
            sources:
              gen: { type: generator, count: 2500, event: { kind: test, nested: { x: [1, "2"] } } }
            sinks:
              out: { type: collect, inputs: [gen], name: \(out) }
            """)
        let events = Fixture.harness.collector.events(out)
        #expect(events.count == 2500)
        #expect(events.first?.value == ["kind": "test", "nested": ["x": [1, "2"]], "sequence": 1])
        #expect(events.map { $0.value["sequence"] } == (1...2500).map { .int(Int64($0)) })
    }

    @Test("cycles through lines, with an interval between events")
    func linesWithInterval() async throws {
        let out = Fixture.unique("out")
        try await Fixture.harness.run("""
            sources:
              gen: { type: generator, count: 3, interval: 10ms, lines: [one, two] }
            sinks:
              out: { type: collect, inputs: [gen], name: \(out) }
            """)
        #expect(Fixture.harness.collector.events(out).map { $0.value["message"] } == ["one", "two", "one"])
    }

    @Test("lines and event together, or neither, or a non-object event, are load errors")
    func optionProblems() {
        let cases = [
            ("{ type: generator, lines: [a], event: { a: 1 } }", "5:39: sources.gen.event: give either `lines:` or `event:`, not both"),
            ("{ type: generator, count: 1 }", "5:8: sources.gen: give either `lines:` (a list of strings) or `event:` (an object)"),
            ("{ type: generator, event: [1] }", "5:27: sources.gen.event: must be an object (a mapping), found array"),
            ("{ type: generator, lines: [a], count: -1 }", "5:39: sources.gen.count: must be 0 or more"),
            ("{ type: generator, lines: [a], interval: soon }", #"5:49: sources.gen.interval: expected a duration such as 250ms, 5s, 1m or 2h, found "soon""#),
        ]
        for (stage, expected) in cases {
            do {
                _ = try Fixture.harness.load("""
                    sinks:
                      out: { type: blackhole, inputs: [gen] }

                    sources:
                      gen: \(stage)
                    """)
                Issue.record("\(stage) should not load")
            } catch {
                #expect(error.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" } == [expected])
            }
        }
    }
}
