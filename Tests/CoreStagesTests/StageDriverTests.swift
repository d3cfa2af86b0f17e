import CoreStages
import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

/// The SDK's single-stage drivers, on the core stages: no YAML, options as JSON.
@Suite("stage drivers")
struct StageDriverTests {
    @Test("a transform driven alone: options decoded strictly, events in, outputs and counters out")
    func transformDriver() async throws {
        var driver = try TransformDriver(RemapTransform.self, options: ["source": ".b = to_number(.a)"])
        let output = try await driver.process([["a": "1"], ["a": "x"], ["a": "2"]])
        #expect(output.events.map { $0.value["b"] } == [1, 2])
        #expect(driver.metrics.dropped == 1 && driver.metrics.errors == 1, "the failed event is dropped and counted")
        #expect(throws: ConfigurationError.self) { try TransformDriver(FilterTransform.self, options: ["conditon": "true"]) }
        do {
            _ = try TransformDriver(FilterTransform.self, options: ["conditon": "true"])
        } catch let error as ConfigurationError {
            #expect(error.description.contains("did you mean 'condition'"), "\(error)")
        }
    }

    @Test("a sink driven alone acknowledges every batch once written")
    func sinkDriver() async throws {
        let path = NSTemporaryDirectory() + "switchyard-driver-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await StageDriver.runSink(FileSink.self, options: ["path": .string(path)],
                                                events: (1...250).map { ["i": .int($0)] }, batchSize: 100)
        #expect(run.metrics.eventsOut == 250)
        #expect(run.outcomes == [.delivered, .delivered, .delivered])
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 250)
    }

    @Test("a source driven alone: all it emits when it ends, or the first N when it does not")
    func sourceDriver() async throws {
        let finite = try await StageDriver.collect(GeneratorSource.self, options: ["count": 5, "lines": ["x"]])
        #expect(finite.count == 5)
        let endless = try await StageDriver.collect(GeneratorSource.self, options: ["lines": ["x"]], limit: 1000)
        #expect(endless.count == 1000)
    }
}
