import CoreStages
import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing
import WasmStages

/// The wasm transform on real modules built from C (`Examples/wasm/build.sh`).
@Suite("wasm transform")
struct WasmTransformTests {
    static let hostile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Modules/hostile.wasm").path
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/wasm/tag.wasm").path

    func driver(_ module: String = hostile, options: JSONValue = [:]) throws -> TransformDriver<WasmTransform> {
        var all = JSONObject([(key: "module", value: .string(module)), (key: "fuel", value: .int(1_000_000))])
        for member in options.objectValue?.members ?? [] { all[member.key] = member.value }
        return try TransformDriver(WasmTransform.self, options: .object(all))
    }

    @Test("events in and out; an array of lines splits, empty output drops; one instance serves every event")
    func normal() async throws {
        var wasm = try driver()
        let output = try await wasm.process([["a": 1], ["do": "split", "a": 2], ["do": "count"], ["do": "count"]])
        let values: [JSONValue?] = output.events.map { $0.value["a"] }
        #expect(values == [1, 2, 2, nil, nil])
        let counts: [JSONValue?] = output.events.suffix(2).map { $0.value["count"] }
        #expect(counts == [3, 4], "the module's counter kept counting: one instance for every event")
        var example = try driver(Self.example)
        let tagged = try await example.process([["a": 1], ["debug": true], [:]])
        let tags: [JSONValue?] = tagged.events.map { $0.value["processed_by"] }
        #expect(tags == ["wasm", "wasm"])
        #expect(tagged.discarded == 1)
    }

    @Test("a module that loops forever, traps, outgrows max_memory or answers garbage: that event to errors, the stage carries on")
    func misbehaving() async throws {
        var wasm = try driver(options: ["max_memory": "4MB"])
        let cases: [(String, String)] = [("loop", "fuel"), ("trap", "unreachable"), ("grow", "out of bounds"), ("garbage", "not JSON")]
        for (behaviour, reason) in cases {
            let output = try await wasm.process([["i": 1], ["do": .string(behaviour)], ["i": 3]])
            let passed: [JSONValue?] = output.events.map { $0.value["i"] }
            #expect(passed == [1, 3], "\(behaviour): the events around it pass")
            let errors = output.named["errors"] ?? []
            #expect(errors.count == 1, "\(behaviour)")
            let message = errors.first?.value["_error"]?["message"]?.stringValue ?? ""
            #expect(message.localizedCaseInsensitiveContains(reason), "\(behaviour): \(message)")
        }
        #expect(wasm.metrics.errors == 4)
        let after = try await wasm.process([["do": "count"], ["do": "trap"], ["do": "count"]])
        let counts: [JSONValue?] = after.events.map { $0.value["count"] }
        #expect(counts.count == 2 && counts[1] == 1, "after a trap the module starts from a fresh instance: \(counts)")
    }

    @Test("a module that is missing, not wasm, starts larger than max_memory or wants WASI (files) fails at startup, naming the file")
    func badModules() throws {
        let directory = NSTemporaryDirectory() + "wasm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "not wasm".write(toFile: "\(directory)/bad.wasm", atomically: true, encoding: .utf8)
        let cases: [(String, JSONValue, String)] = [("\(directory)/missing.wasm", [:], "missing.wasm"),
                                                    ("\(directory)/bad.wasm", [:], "not a WebAssembly module"),
                                                    (Self.hostile, ["max_memory": "1MB"], "initial memory size exceeds the resource limit"),
                                                    (Self.hostile.replacing("hostile.wasm", with: "wasi.wasm"), [:], "may import only env.log")]
        for (module, options, message) in cases {
            #expect { try driver(module, options: options) } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}
