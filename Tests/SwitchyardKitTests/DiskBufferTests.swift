import Foundation
import Logging
import SwitchyardTesting
import Testing
@testable import SwitchyardKit

@Suite("disk buffer: records on disk, torn and corrupted ones skipped and counted")
struct DiskBufferTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-disk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func events(_ range: Range<Int>) -> EventBatch {
        EventBatch(range.map { Event(value: ["n": .int(Int64($0)), "pad": .string(String(repeating: "x", count: 100))],
                                     metadata: EventMetadata(sourceID: "src", receivedAt: 1_700_000_000.5)) })
    }

    private func drain(_ buffer: DiskBuffer) async -> [Int] {
        var numbers: [Int] = []
        while !buffer.isEmpty, let batch = await buffer.receive() {
            numbers += batch.events.compactMap { if case .int(let n)? = $0.value["n"] { Int(n) } else { nil } }
            batch.acknowledgement?.release()
        }
        return numbers
    }

    private let logger = Logger(label: "disk-buffer-test")

    @Test("events come back in order with their metadata; delivered segments are deleted; a reopened buffer resumes at its cursor")
    func roundTrip() async throws {
        let path = try directory()
        let buffer = try DiskBuffer(directory: path, maxBytes: 1 << 30, whenFull: .block, producers: 1, logger: logger)
        #expect(await buffer.send(events(0..<500)) == .queued)
        #expect(await buffer.send(events(500..<1000)) == .queued)
        let first = try #require(await buffer.receive())
        #expect(first.events.first?.metadata.sourceID == "src")
        #expect(first.events.first?.metadata.receivedAt == 1_700_000_000.5)
        first.acknowledgement?.release()
        // Half read and acknowledged: a new buffer on the same files resumes after it.
        let reopened = try DiskBuffer(directory: path, maxBytes: 1 << 30, whenFull: .block, producers: 1, logger: logger)
        #expect(await drain(reopened) == Array(first.count..<1000))
        #expect(reopened.corruptedRecords == 0)
    }

    @Test("a torn tail is cut at open; a flipped byte and garbage are skipped with the rest intact; all counted")
    func corruption() async throws {
        let path = try directory()
        do {
            let buffer = try DiskBuffer(directory: path, maxBytes: 1 << 30, whenFull: .block, producers: 1, logger: logger)
            _ = await buffer.send(events(0..<100))
        }
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: path).first { $0.hasSuffix(".log") })
        let file = path + "/" + segment
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        // Where each record starts: its magic, "SYB1" little-endian.
        let starts = bytes.indices.dropLast(3).filter { bytes[$0...($0 + 3)].elementsEqual([0x31, 0x42, 0x59, 0x53]) }
        #expect(starts.count == 100)
        bytes[starts[10] + 40] ^= 0xFF  // inside record 10's payload
        bytes.insert(contentsOf: [UInt8](repeating: 0x41, count: 37), at: starts[50])  // garbage between records 49 and 50
        bytes += Array(bytes[starts[0]..<(starts[0] + (starts[1] - starts[0]) / 2)])  // a torn last record
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        let buffer = try DiskBuffer(directory: path, maxBytes: 1 << 30, whenFull: .block, producers: 1, logger: logger)
        let numbers = await drain(buffer)
        #expect(numbers == Array(0..<10) + Array(11..<100), "only the damaged record is missing")
        #expect(buffer.corruptedRecords == 3, "the torn tail, the flipped record, the garbage")
    }

    @Test("max_size: drop_newest refuses (the port counts the drop); block waits until the sink frees space")
    func fullBuffer() async throws {
        let path = try directory()
        let buffer = try DiskBuffer(directory: path, maxBytes: 1 << 20, whenFull: .drop_newest, producers: 1, logger: logger)
        var refused = 0
        for start in stride(from: 0, to: 20_000, by: 1000) where buffer.offer(events(start..<(start + 1000))) == .full {
            refused += 1
        }
        #expect(refused > 0)
        #expect(buffer.sizeBytes < 2 << 20)
    }

    @Test("a sink with a disk buffer gets every event, and the buffer is reclaimed as it goes")
    func inPipeline() async throws {
        let path = try directory()
        let out = "disk-\(UUID())"
        let harness = PipelineHarness(registry: TestStages.registry)
        let metrics = try await harness.run("""
            data_dir: \(path)
            sources:
              src: { type: memory, events: [{ x: 1 }], repeat: 20000, batch_size: 500 }
            sinks:
              out: { type: collect, inputs: [src], name: \(out), buffer: { type: disk, max_size: 64MiB } }
            """)
        #expect(harness.collector.events(out).count == 20_000)
        #expect(metrics["out"]?.dropped == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(path)/out/buffer").filter { $0.hasSuffix(".log") }
        #expect(left.count == 1, "delivered segments are deleted")
    }

    @Test("type: disk without data_dir is a load error")
    func needsDataDirectory() {
        #expect(throws: ConfigurationError.self) {
            try PipelineHarness(registry: TestStages.registry).load("""
                sources:
                  src: { type: memory, events: [{ x: 1 }] }
                sinks:
                  out: { type: collect, inputs: [src], name: x, buffer: { type: disk } }
                """)
        }
    }
}
