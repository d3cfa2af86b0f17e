import SwitchyardTesting
import Testing
@testable import SwitchyardKit

@Suite("Runtime: wiring, backpressure, drain")
struct RuntimeTests {
    let harness = PipelineHarness(registry: TestStages.registry)

    /// A unique collector or gate name per test, since tests run in parallel.
    private func unique(_ name: String) -> String { "\(name)-\(UInt64.random(in: 0...UInt64.max))" }

    private func numbers(_ name: String) -> [Int64] { harness.collector.events(name).compactMap(\.number) }

    @Test("fan-out: every consumer of an output gets every event")
    func fanOut() async throws {
        let (a, b) = (unique("a"), unique("b"))
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ x: 1 }, { x: 2 }], repeat: 50, batch_size: 7 }
            sinks:
              a: { type: collect, inputs: [src], name: \(a) }
              b: { type: collect, inputs: [src], name: \(b) }
            """)
        #expect(numbers(a) == Array(1...100))
        #expect(numbers(b) == Array(1...100))
    }

    @Test("fan-in: a consumer of several inputs gets all of them, each in order")
    func fanIn() async throws {
        let out = unique("out")
        let metrics = try await harness.run("""
            sources:
              one: { type: memory, events: [{ from: one }], repeat: 300, batch_size: 10 }
              two: { type: memory, events: [{ from: two }], repeat: 200, batch_size: 3 }
            transforms:
              tagged: { type: tag, inputs: [one, two], field: seen }
            sinks:
              out: { type: collect, inputs: [tagged], name: \(out) }
            """)
        let events = harness.collector.events(out)
        #expect(events.count == 500)
        #expect(events.allSatisfy { $0.value["seen"] == true })
        for source in ["one", "two"] {
            let ordered = events.filter { $0.value["from"] == .string(source) }.compactMap(\.number)
            #expect(ordered == ordered.sorted())
            #expect(events.filter { $0.metadata.sourceID == source }.count == (source == "one" ? 300 : 200))
        }
        #expect(metrics["tagged"]?.eventsIn == 500)
        #expect(metrics["tagged"]?.eventsOut == 500)
    }

    @Test("named outputs reach only the stages wired to them")
    func namedOutputs() async throws {
        let (main, copies) = (unique("main"), unique("copies"))
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ a: 1 }], repeat: 10 }
            transforms:
              split: { type: tag, inputs: [src], field: f, outputs: [copies, unused] }
            sinks:
              main: { type: collect, inputs: [split], name: \(main) }
              copies: { type: collect, inputs: [split.copies], name: \(copies) }
            """)
        #expect(numbers(main) == Array(1...10))
        #expect(numbers(copies) == Array(1...10))
    }

    @Test("backpressure: a full buffer suspends the producer until the consumer takes more")
    func backpressure() async throws {
        let (out, gate) = (unique("out"), unique("gate"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ a: 1 }], repeat: 1000, batch_size: 1 }
            sinks:
              out: { type: collect, inputs: [src], name: \(out), gate: \(gate), buffer: { max_events: 10 } }
            """)
        let run = Task { try await pipeline.run() }
        // The sink takes nothing until the gate opens: the source can fill the buffer and no more.
        while pipeline.metrics["src"]!.eventsOut < 10 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(pipeline.metrics["src"]!.eventsOut <= 11, "the source ran ahead of a full buffer")
        #expect(harness.collector.events(out).isEmpty)
        harness.gates.open(gate)
        try await run.value
        #expect(numbers(out) == Array(1...1000))
        #expect(pipeline.metrics["out"]!.dropped == 0)
    }

    @Test("a cancelled tap is freed: no tap outlives its client (each one kept itself alive before)")
    func cancelledTapIsFreed() async throws {
        let (out, gate) = (unique("out"), unique("gate"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ a: 1 }], repeat: 10, batch_size: 1 }
            sinks:
              out: { type: collect, inputs: [src], name: \(out), gate: \(gate) }
            """)
        let run = Task { try await pipeline.run() }
        weak var weakTap: Tap?
        do {
            // A stage can be tapped once it has started.
            var started: Tap?
            while started == nil {
                do {
                    started = try pipeline.tap(["src"])
                } catch {
                    #expect(error.description.contains("has not started yet"), "\(error)")
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            let tap = try #require(started)
            weakTap = tap
            tap.cancel()
            tap.cancel()  // twice: still detached once
        }
        #expect(weakTap == nil, "the tap was freed once cancelled")
        harness.gates.open(gate)
        try await run.value
        #expect(numbers(out) == Array(1...10))
    }

    @Test("a memory buffer is bounded in bytes too: large events fill it before max_events does; an empty one takes any batch")
    func bufferBytes() async throws {
        let channel = EventChannel(capacity: 100, producers: 1, maxBytes: 1000)
        let large = EventBatch([Event(value: ["pad": .string(String(repeating: "x", count: 400))])])
        #expect(large.approximateBytes > 400 && large.approximateBytes < 450)
        #expect(channel.offer(large) == .queued)
        #expect(channel.offer(large) == .queued)
        #expect(!channel.hasRoom(for: 1, bytes: large.approximateBytes))
        #expect(channel.offer(large) == .full, "a third would pass 1000 bytes, though 100 events are allowed")
        #expect(channel.tryReceive() != nil)
        #expect(channel.offer(large) == .queued, "taking one made room")
        #expect(channel.tryReceive() != nil && channel.tryReceive() != nil)
        let huge = EventBatch([Event(validatedJSON: Array("\"\(String(repeating: "y", count: 5000))\"".utf8)[...])])
        #expect(huge.approximateBytes == 5002)
        #expect(channel.offer(huge) == .queued, "an empty buffer takes a batch larger than its bound")
        #expect(channel.offer(EventBatch([Event(value: 1)])) == .full)
    }

    @Test("drop_newest: a full buffer drops and counts instead of blocking; nothing vanishes uncounted")
    func dropNewest() async throws {
        let (out, gate) = (unique("out"), unique("gate"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ a: 1 }], repeat: 500, batch_size: 1 }
            sinks:
              out:
                type: collect
                inputs: [src]
                name: \(out)
                gate: \(gate)
                buffer: { max_events: 20, when_full: drop_newest }
            """)
        let run = Task { try await pipeline.run() }
        // The source is never held up: it sends all 500 while the sink is gated.
        while pipeline.metrics["src"]!.eventsOut < 500 { try await Task.sleep(for: .milliseconds(5)) }
        harness.gates.open(gate)
        try await run.value
        let delivered = harness.collector.events(out).count
        #expect(delivered == 20)
        #expect(pipeline.metrics["out"]!.dropped == 480)
        #expect(numbers(out) == Array(1...20))
    }

    @Test("a memory buffer's max_size bounds the bytes it holds: past it, drop_newest drops and counts; /health shows both")
    func memoryBufferMaxSize() async throws {
        let (out, gate) = (unique("out"), unique("gate"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ pad: "\(String(repeating: "x", count: 400))" }], repeat: 50, batch_size: 1 }
            sinks:
              out:
                type: collect
                inputs: [src]
                name: \(out)
                gate: \(gate)
                buffer: { max_size: 2KiB, when_full: drop_newest }
            """)
        let run = Task { try await pipeline.run() }
        while pipeline.metrics["src"]!.eventsOut < 50 { try await Task.sleep(for: .milliseconds(5)) }
        let health = pipeline.healthReport().stages.first { $0.id == "out" }?.details
        #expect(health?["buffer_type"] == "memory")
        #expect(health?["buffer_max_bytes"] == 2048)
        let held = harness.collector.events(out).count
        harness.gates.open(gate)
        try await run.value
        // Each event is about 420 bytes: 4 fit in 2 KiB (the sink may have taken one more
        // before its gate), though max_events would allow 2,000.
        let delivered = harness.collector.events(out).count
        #expect(held == 0)
        #expect((4...5).contains(delivered), "\(delivered)")
        #expect(pipeline.metrics["out"]!.dropped == 50 - delivered)
    }

    @Test("a failing stage is reported by id; the rest of the graph still drains")
    func stageFailure() async throws {
        let (bad, good) = (unique("bad"), unique("good"))
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ a: 1 }], repeat: 300, batch_size: 10 }
            sinks:
              bad: { type: collect, inputs: [src], name: \(bad), fail_after: 50 }
              good: { type: collect, inputs: [src], name: \(good) }
            """)
        await #expect {
            try await pipeline.run()
        } throws: { error in
            let failure = error as? PipelineFailure
            return failure?.failures.map(\.stageID) == ["bad"] && failure?.description.contains("injected failure") == true
        }
        // The failure stops the source (how far it got depends on scheduling); everything it sent drains.
        let sent = pipeline.metrics["src"]!.eventsOut
        #expect(sent >= 50)
        #expect(numbers(good) == Array(1...Int64(sent)), "the healthy sink gets everything the source sent, in order")
        #expect(pipeline.metrics["bad"]!.eventsIn + pipeline.metrics["bad"]!.dropped == sent,
                "events meant for the failed sink are counted as dropped")
    }

    @Test("stop(): the sources stop, everything already sent is delivered, run returns")
    func stop() async throws {
        let out = unique("out")
        let pipeline = try harness.pipeline("""
            sources:
              src: { type: memory, events: [{ a: 1 }], repeat: 100000000, batch_size: 5 }
            transforms:
              tagged: { type: tag, inputs: [src], field: seen }
            sinks:
              out: { type: collect, inputs: [tagged], name: \(out), buffer: { max_events: 100 } }
            """)
        let run = Task { try await pipeline.run() }
        while harness.collector.events(out).count < 1000 { try await Task.sleep(for: .milliseconds(5)) }
        pipeline.stop()
        try await run.value
        let received = numbers(out)
        #expect(received == Array(1...Int64(received.count)), "no gaps, no duplicates")
        #expect(Int(pipeline.metrics["src"]!.eventsOut) == received.count)
    }
}

extension Event {
    /// The `n` field `memory` sources number their events with.
    var number: Int64? {
        if case .int(let n)? = value["n"] { return n }
        return nil
    }
}
