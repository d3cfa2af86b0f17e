import CoreStages
import ExecStages
import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

/// The exec stages with real child processes (Python programs under `Programs/`).
@Suite("exec stages", .serialized)
struct ExecStagesTests {
    static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs").path

    let harness: PipelineHarness = {
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerExecStages()
        return PipelineHarness(registry: registry)
    }()

    /// `count` events `{i}` (with `extra` merged into those whose i is in `marked`) through an exec
    /// transform running `transform.py arguments`; returns (default output, errors output, metrics).
    func runTransform(count: Int, arguments: [String], options: String = "", marked: Set<Int> = [], extra: String = "")
        async throws -> (out: [Event], errors: [Event], metrics: StageMetrics)
    {
        let events = (1...count).map { marked.contains($0) ? "{ i: \($0), \(extra) }" : "{ i: \($0) }" }.joined(separator: ", ")
        let command = (["python3", "\(Self.programs)/transform.py"] + arguments).map { "'\($0)'" }.joined(separator: ", ")
        let metrics = try await harness.run("""
            sources:
              src: { type: memory, batch_size: 500, events: [\(events)] }
            transforms:
              ex:
                type: exec
                inputs: [src]
                command: [\(command)]
                drop_on_error: false
                restart: { initial_delay: 20ms, max_delay: 100ms }
            \(options)
            sinks:
              out: { type: collect, inputs: [ex], name: out }
              bad: { type: collect, inputs: [ex.errors], name: bad }
            """)
        return (harness.collector.events("out"), harness.collector.events("bad"), metrics["ex"]!)
    }

    @Test("a normal program: every event answered once, in order; [] drops, an array splits")
    func normal() async throws {
        let result = try await runTransform(count: 2000, arguments: [], marked: [10, 20], extra: "split: true")
        #expect(result.out.count == 2002, "1998 plain + 2 split in two")
        #expect(result.out.allSatisfy { $0.value["seen"] == true || $0.value["part"] != nil })
        let order = result.out.compactMap { event -> Int? in if case .int(let i)? = event.value["i"] { Int(i) } else { nil } }
        #expect(order == order.sorted())
        #expect(result.errors.isEmpty && result.metrics.errors == 0)
        harness.collector.reset("out")
        let dropped = try await runTransform(count: 10, arguments: [], marked: [3], extra: "drop: true")
        #expect(dropped.out.count == 9)
        #expect(Self.children().isEmpty, "no child left running or unreaped")
    }

    @Test("a program that crashes on its 1000th event: restarted, the in-flight events re-sent, none lost or doubled")
    func crashes() async throws {
        let result = try await runTransform(count: 3000, arguments: ["crash-at", "1000"])
        let numbers = result.out.compactMap { event -> Int? in if case .int(let i)? = event.value["i"] { Int(i) } else { nil } }
        #expect(numbers == Array(1...3000), "every event exactly once, in order")
        #expect(result.errors.isEmpty)
        #expect(result.metrics.errors == 0 && result.metrics.dropped == 0)
        #expect(Self.children().isEmpty)
    }

    @Test("a program that answers garbage: those events go to <id>.errors with the reason, counted exactly")
    func garbage() async throws {
        let result = try await runTransform(count: 1000, arguments: ["garbage-every", "10"])
        #expect(result.out.count == 900)
        #expect(result.errors.count == 100)
        #expect(result.errors.allSatisfy { $0.value["_error"]?["message"]?.stringValue?.contains("not JSON") == true })
        #expect(result.metrics.errors == 100 && result.metrics.dropped == 0)
    }

    @Test("a program that hangs on one event: killed after timeout, that event to errors after max_attempts, the rest delivered")
    func hangs() async throws {
        let result = try await runTransform(count: 50, arguments: ["hang-on-field", "hang"],
                                            options: "    timeout: 1s\n    max_attempts: 2\n", marked: [25], extra: "hang: true")
        #expect(result.out.count == 49)
        #expect(result.errors.count == 1 && result.errors.first?.value["i"] == 25)
        #expect(result.errors.first?.value["_error"]?["message"]?.stringValue?.contains("no answer within") == true)
        #expect(Self.children().isEmpty)
    }

    @Test("a program that answers with a 50 MB line: cut at max_line_bytes, that event to errors, the rest delivered")
    func hugeAnswer() async throws {
        let result = try await runTransform(count: 20, arguments: ["huge-on-field", "huge"], options: "    max_line_bytes: 64KB\n",
                                            marked: [7], extra: "huge: true")
        #expect(result.out.count == 19)
        #expect(result.errors.count == 1 && result.errors.first?.value["i"] == 7)
        #expect(result.errors.first?.value["_error"]?["message"]?.stringValue?.contains("not JSON") == true)
    }

    @Test("a program that never reads stdin: memory stays bounded by the window, each event fails after max_attempts")
    func neverReads() async throws {
        let metrics = try await harness.run("""
            sources:
              src: { type: memory, events: [{ i: 1 }, { i: 2 }, { i: 3 }] }
            transforms:
              ex:
                type: exec
                inputs: [src]
                command: [python3, '\(Self.programs)/never_reads.py']
                timeout: 200ms
                max_attempts: 2
                restart: { initial_delay: 10ms, max_delay: 50ms }
            sinks:
              out: { type: collect, inputs: [ex], name: out }
            """)
        #expect(harness.collector.events("out").isEmpty)
        #expect(metrics["ex"]!.dropped == 3 && metrics["ex"]!.errors == 3, "sent to ex.errors, which nobody consumes: counted as dropped")
        #expect(Self.children().isEmpty)
    }

    @Test("shutdown: a program that ignores end of file and SIGTERM is killed after stop_timeout, and reaped")
    func stubbornShutdown() async throws {
        let started = ContinuousClock.now
        try await harness.run("""
            sources:
              src: { type: memory, events: [{ i: 1 }, { i: 2 }] }
            transforms:
              ex: { type: exec, inputs: [src], command: [python3, '\(Self.programs)/stubborn.py'], stop_timeout: 200ms }
            sinks:
              out: { type: collect, inputs: [ex], name: out }
            """)
        #expect(harness.collector.events("out").count == 2)
        #expect(ContinuousClock.now - started < .seconds(5), "EOF, SIGTERM (ignored), SIGKILL: about 2 x stop_timeout")
        #expect(Self.children().isEmpty)
    }

    @Test("exec source: lines become events; a failed run is restarted, a run that exits 0 ends the source")
    func source() async throws {
        let marker = NSTemporaryDirectory() + "exec-source-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let metrics = try await harness.run("""
            sources:
              src:
                type: exec
                command: [python3, '\(Self.programs)/source.py', '\(marker)', '500']
                restart: { initial_delay: 10ms }
            sinks:
              out: { type: collect, inputs: [src], name: out }
            """)
        let numbers = harness.collector.events("out").compactMap { event -> Int? in if case .int(let i)? = event.value["i"] { Int(i) } else { nil } }
        #expect(numbers == Array(1...1000))
        #expect(metrics["src"]!.errors == 1, "the line that is not JSON")
        #expect(Self.children().isEmpty)
    }

    @Test("a program gets stdin, stdout and stderr, and no other descriptor of this process")
    func onlyStandardDescriptors() async throws {
        // A descriptor without close-on-exec, as one inherited from a parent would be.
        let inherited = open("/dev/null", O_RDONLY)
        #expect(inherited > 2)
        defer { close(inherited) }
        try await harness.run("""
            sources:
              src: { type: exec, command: [sh, -c, 'ls /proc/$$$$/fd'], format: lines }
            sinks:
              out: { type: collect, inputs: [src], name: fds }
            """)
        // Before, the program also held the parent's descriptors, and kept a pipe open after
        // this process exited.
        #expect(harness.collector.events("fds").compactMap { $0.value["message"]?.stringValue }.sorted() == ["0", "1", "2"])
    }

    @Test("exec sink with acknowledgements: a crash re-sends what was in flight; every event arrives, acknowledged after ok")
    func sink() async throws {
        let directory = NSTemporaryDirectory() + "exec-sink-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let events = (1...2000).map { "{ i: \($0) }" }.joined(separator: ", ")
        try await harness.run("""
            sources:
              src: { type: memory, batch_size: 100, acknowledgements: acks, events: [\(events)] }
            sinks:
              out:
                type: exec
                inputs: [src]
                command: [python3, '\(Self.programs)/sink.py', '\(directory)/out.ndjson', '\(directory)/marker', '700']
                acknowledgements: true
                window: 16
                restart: { initial_delay: 10ms }
            """)
        let lines = try String(contentsOfFile: "\(directory)/out.ndjson", encoding: .utf8).split(separator: "\n")
        let numbers = lines.compactMap { line in (try? JSONParser().parse(String(line)))?["i"] }
            .compactMap { value -> Int? in if case .int(let i) = value { Int(i) } else { nil } }
        #expect(Set(numbers) == Set(1...2000), "every event reached the program")
        #expect(numbers.count - 2000 <= 16, "what was written twice is at most the window")
        #expect(harness.acknowledgements.outcomes("acks") == Array(repeating: .delivered, count: 20))
        #expect(Self.children().isEmpty)
    }

    /// This process's children (running or zombie), read from /proc; not the servers and
    /// binaries other suites start meanwhile (`nats-server`, `switchyard`, `python3`).
    static func children() -> [String] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == me,
                !["(nats-server)", "(switchyard)", "(python3)"].contains(where: { stat.contains($0) })
            else { return nil }
            return "\(entry) \(stat)"
        }
    }
}
