import SwitchyardTesting
import Testing
@testable import SwitchyardKit

@Suite("Acknowledgements: a batch is done only when every sink it reached has made it durable")
struct AcknowledgementTests {
    let harness = PipelineHarness(registry: TestStages.registry)

    private func unique(_ name: String) -> String { "\(name)-\(UInt64.random(in: 0...UInt64.max))" }

    /// Polls `condition` every 10 ms for at most 10 s.
    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test("fan-out through a transform: acknowledged only after the slower sink acknowledges")
    func fanOutWaitsForEverySink() async throws {
        let (acks, fast, slow, hold) = (unique("acks"), unique("fast"), unique("slow"), unique("hold"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ x: 1 }], repeat: 100, batch_size: 10, acknowledgements: \(acks) }
            transforms:
              tagged: { type: tag, inputs: [src], field: seen, outputs: [copy] }
            sinks:
              fast: { type: collect, inputs: [tagged], name: \(fast) }
              slow: { type: collect, inputs: [tagged.copy], name: \(slow), hold: \(hold) }
            """)
        let run = Task { try await pipeline.run() }
        #expect(try await eventually { harness.collector.events(fast).count == 100 && harness.collector.events(slow).count == 100 })
        #expect(harness.acknowledgements.outcomes(acks).isEmpty, "the slow sink has not acknowledged yet")
        harness.gates.open(hold)
        try await run.value
        #expect(harness.acknowledgements.sentCount(acks) == 10)
        #expect(harness.acknowledgements.outcomes(acks) == Array(repeating: .delivered, count: 10))
    }

    @Test("a drop_newest buffer that drops part of a batch reports it as partly dropped, still complete")
    func dropNewestIsReported() async throws {
        let (acks, out, gate) = (unique("acks"), unique("out"), unique("gate"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ x: 1 }], repeat: 50, batch_size: 10, acknowledgements: \(acks) }
            sinks:
              out:
                type: collect
                inputs: [src]
                name: \(out)
                gate: \(gate)
                buffer: { max_events: 10, when_full: drop_newest }
            """)
        let run = Task { try await pipeline.run() }
        #expect(try await eventually { harness.acknowledgements.outcomes(acks).count == 4 })
        harness.gates.open(gate)
        try await run.value
        let outcomes = harness.acknowledgements.outcomes(acks)
        #expect(outcomes.filter { $0 == .partlyDropped }.count == 4)
        #expect(outcomes.filter { $0 == .delivered }.count == 1)
        #expect(pipeline.metrics["out"]?.dropped == 40)
    }

    @Test("a sink that fails fails the acknowledgement of what it held and of what was queued for it")
    func failingSinkFails() async throws {
        let (acks, bad) = (unique("acks"), unique("bad"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ x: 1 }], repeat: 200, batch_size: 10, acknowledgements: \(acks) }
            sinks:
              bad: { type: collect, inputs: [src], name: \(bad), fail_after: 55, hold: never-opened }
            """)
        await #expect(throws: PipelineFailure.self) { try await pipeline.run() }
        let outcomes = harness.acknowledgements.outcomes(acks)
        #expect(outcomes.count == harness.acknowledgements.sentCount(acks), "every batch sent got an outcome")
        #expect(!outcomes.contains(.delivered), "nothing the failed sink held was acknowledged as delivered")
        #expect(outcomes.contains(.failed))
    }
}
