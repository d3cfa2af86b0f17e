import Glibc
import Synchronization
import SwitchyardTesting
import Testing
@testable import SwitchyardKit

/// Records the thread each batch was processed on, by `name`, and passes the batch on.
private struct ThreadRecorder: Transform {
    struct Configuration: StageConfiguration {
        @Option("Where the threads are recorded.")
        var name: String
    }

    static let typeName = "record_thread"
    static let summary = "Records the thread of each batch (tests)."
    static let example = "type: record_thread\ninputs: [src]\nname: a"

    /// The threads seen, by recorder name, one entry per batch.
    static let seen = Mutex<[String: [pthread_t]]>([:])

    let configuration: Configuration

    init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
    }

    mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        let thread = pthread_self()
        Self.seen.withLock { $0[configuration.name, default: []].append(thread) }
        for event in batch.events { output.emit(event) }
    }
}

@Suite("StageThreads: run --threads")
struct StageThreadsTests {
    let harness: PipelineHarness = {
        var registry = StageRegistry()
        registry.register(ThreadRecorder.self)
        return PipelineHarness(registry: registry)
    }()

    @Test("with one thread every stage runs on it, and every event arrives in order")
    func oneThread() async throws {
        let name = "one-\(UInt64.random(in: 0...UInt64.max))"
        let threads = StageThreads(count: 1)
        defer { threads.shutdown() }
        let stageThread = await withTaskExecutorPreference(threads) { pthread_self() }
        let pipeline = try harness.pipeline("""
            sources:
              a: { type: memory, events: [{ x: 1 }], repeat: 2000, batch_size: 10 }
              b: { type: memory, events: [{ x: 1 }], repeat: 2000, batch_size: 7 }
            transforms:
              first: { type: record_thread, inputs: [a, b], name: \(name) }
              second: { type: record_thread, inputs: [first], name: \(name) }
            sinks:
              out: { type: collect, inputs: [second], name: \(name) }
            """)
        try await pipeline.run(on: threads)

        let seen = ThreadRecorder.seen.withLock { $0[name] ?? [] }
        #expect(seen.count >= 2 * (2000 / 10), "each transform saw batches")
        #expect(seen.allSatisfy { pthread_equal($0, stageThread) != 0 }, "a batch ran off the stage thread")
        let events = harness.collector.events(name)
        #expect(events.count == 4000)
        for source in ["a", "b"] {
            let sequence = events.filter { $0.metadata.sourceID == source }.compactMap(\.number)
            #expect(sequence == Array(1...2000))
        }
    }

    @Test("with two threads, every job queued before shutdown runs")
    func shutdownRunsQueuedJobs() async throws {
        let threads = StageThreads(count: 2)
        let results = await withTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask(executorPreference: threads) {
                    await Task.yield()
                    return index
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        threads.shutdown()
        #expect(results.sorted() == Array(0..<100))
    }
}
