import Benchmark
import CoreStages
import SwitchyardKit
import SwitchyardTesting

/// One Home Assistant state_changed event as the shared workloads have it (about 430 bytes).
let eventLine = Array(#"{"event_type":"state_changed","time_fired":"2024-03-01T00:00:00.417782+00:00","origin":"LOCAL","context":{"id":"Z9CJD33M33YA35B44FS7F25TMG","parent_id":null,"user_id":null},"data":{"entity_id":"sensor.basement_power","old_state":{"state":"3338"},"new_state":{"entity_id":"sensor.basement_power","state":"3411","attributes":{"unit_of_measurement":"W","friendly_name":"Basement Power"},"last_changed":"2024-03-01T00:00:00.417782+00:00"}}}"#.utf8)

/// The same event from a line, as the file source makes it (checked, not parsed).
func lineEvent() -> Event {
    // The line above is valid JSON, so this never fails.
    try! Event(jsonLine: eventLine[...], metadata: EventMetadata())!
}

/// W2's filter condition and remap program (pipelines/w2-filter-transform.yaml).
let w2Condition = #"starts_with(.data.entity_id, "sensor.") && .data.new_state.state =~ "^-?[0-9]+(\.[0-9]+)?$" && to_number(.data.new_state.state) > 20"#
let w2Remap = """
    .pipeline = "w2"
    .timestamp = del(.time_fired)
    del(.data.new_state.attributes)
    """

/// W5's route conditions (8 routes, 4 `ends_with` of `.context.id` each): all 32 characters.
let w5Conditions = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ").chunks(of: 4).map { characters in
    characters.map { #"ends_with(.context.id, "\#($0)")"# }.joined(separator: " || ")
}

extension Array {
    /// The elements in consecutive groups of `size` (the last may be shorter).
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// Runs `yaml` to the end (every event through the graph).
func runPipeline(_ yaml: String) async throws {
    var registry = StageRegistry()
    registry.registerCoreStages()
    try await PipelineHarness(registry: registry).pipeline(yaml).run()
}

/// A generator of `count` events into a blackhole, with `middle` stages between them.
func pipelineYAML(count: Int, middle: String?) -> String {
    let sinkInput = middle == nil ? "gen" : "mid"
    return """
        sources:
          gen: { type: generator, count: \(count), event: { event_type: state_changed, data: { entity_id: sensor.a, state: "1" } } }
        \(middle.map { "transforms:\n  mid: { inputs: [gen], \($0) }" } ?? "")
        sinks:
          out: { type: blackhole, inputs: [\(sinkInput)] }
        """
}

let benchmarks: @Sendable () -> Void = {
    // 1,000 runs per sample, so the cost of reading the clock and counters once per sample
    // does not swamp sub-microsecond operations; figures are per run.
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           scalingFactor: .kilo, maxDuration: .seconds(2))

    Benchmark("JSON validate (430-byte event)") { benchmark in
        let parser = JSONParser()
        for _ in benchmark.scaledIterations {
            eventLine.withUnsafeBufferPointer { buffer in blackHole(try? parser.validate(buffer: buffer)) }
        }
    }

    Benchmark("JSON validate, reporting repeated keys") { benchmark in
        let parser = JSONParser()
        for _ in benchmark.scaledIterations {
            eventLine.withUnsafeBufferPointer { buffer in blackHole(try? parser.validateReportingKeys(buffer: buffer)) }
        }
    }

    Benchmark("JSON parse into a tree") { benchmark in
        let parser = JSONParser()
        for _ in benchmark.scaledIterations { blackHole(try? parser.parse(eventLine)) }
    }

    Benchmark("JSON encode a tree") { benchmark in
        let value = try JSONParser().parse(eventLine)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1024)
        for _ in benchmark.scaledIterations {
            buffer.removeAll(keepingCapacity: true)
            JSONWriter.write(value, into: &buffer)
            blackHole(buffer.count)
        }
    }

    Benchmark("lookup .data.new_state.state on the event's text") { benchmark in
        let event = lineEvent()
        let path = try Expression(".data.new_state.state")
        for _ in benchmark.scaledIterations { blackHole(try? path.evaluate(event)) }
    }

    Benchmark("condition: W2's filter (starts_with, regex, to_number)") { benchmark in
        let event = lineEvent()
        let condition = try Condition(w2Condition)
        for _ in benchmark.scaledIterations { blackHole(try? condition.test(event)) }
    }

    Benchmark("conditions: W5's 8 routes on one event (32 ends_with)") { benchmark in
        let event = lineEvent()
        let conditions = try w5Conditions.map { try Condition($0) }
        for _ in benchmark.scaledIterations {
            var reader = EventReader(event)
            for condition in conditions { blackHole(try? condition.test(&reader)) }
        }
    }

    Benchmark("remap as byte edits (W2's program)") { benchmark in
        let event = lineEvent()
        let program = try RemapProgram(w2Remap)
        for _ in benchmark.scaledIterations { blackHole(program.runAsEdits(event)) }
    }

    Benchmark("remap on the tree (same program)") { benchmark in
        let value = try JSONParser().parse(eventLine)
        let program = try RemapProgram(w2Remap)
        for _ in benchmark.scaledIterations {
            var copy = value
            blackHole(try? program.run(on: &copy))
        }
    }

    let events = 100_000
    let pipelineConfiguration = Benchmark.Configuration(metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal],
                                                        scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 5)

    Benchmark("pipeline: generator -> blackhole (100k events, channel hand-off)", configuration: pipelineConfiguration) { _ in
        try await runPipeline(pipelineYAML(count: events, middle: nil))
    }

    Benchmark("pipeline: generator -> no-op transform -> blackhole (100k events)", configuration: pipelineConfiguration) { _ in
        try await runPipeline(pipelineYAML(count: events, middle: "type: sample, rate: 1"))
    }
}
