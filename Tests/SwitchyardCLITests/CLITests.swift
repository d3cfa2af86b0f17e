import Foundation
import Testing

/// The real binary, run as a child process: exit codes, output, signals.
@Suite("switchyard CLI", .serialized)
struct CLITests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("--progress-interval: info lines with events/s per source and sink while it runs; 0 turns them off")
    func progressLines() throws {
        let directory = try temporaryDirectory()
        try write("sources:\n  g: { type: generator, interval: 10ms, count: 50, lines: [x] }\nsinks:\n  o: { type: blackhole, inputs: [g] }\n",
                  to: "\(directory)/p.yaml")
        let shown = try SwitchyardProcess.run(["run", "--progress-interval", "100ms", "\(directory)/p.yaml"])
        #expect(shown.status == 0)
        let progress = shown.stderr.split(separator: "\n").filter { $0.contains("info progress") }
        #expect(!progress.isEmpty && progress.allSatisfy { $0.contains("g.out_per_s=") && $0.contains("o.in_per_s=") }, "\(shown.stderr)")
        let off = try SwitchyardProcess.run(["run", "--progress-interval", "0", "\(directory)/p.yaml"])
        #expect(off.status == 0 && !off.stderr.contains("progress"))
        let bad = try SwitchyardProcess.run(["run", "--progress-interval", "soon", "\(directory)/p.yaml"])
        #expect(bad.status != 0 && bad.stderr.contains("--progress-interval"))
    }

    @Test("--threads: a count outside 1...256, or not a number, is refused with usage status 64")
    func threadsRefused() throws {
        let directory = try temporaryDirectory()
        try write("sources:\n  g: { type: generator, count: 1, lines: [x] }\nsinks:\n  o: { type: blackhole, inputs: [g] }\n",
                  to: "\(directory)/p.yaml")
        for threads in ["0", "257", "two"] {
            let refused = try SwitchyardProcess.run(["run", "--threads", threads, "\(directory)/p.yaml"])
            #expect(refused.status == 64 && refused.stderr.contains("--threads"), "--threads \(threads): \(refused.stderr)")
        }
    }

    @Test("--log-format json writes one object per line; text puts the message before key=value fields")
    func logFormats() throws {
        let directory = try temporaryDirectory()
        try write("sources:\n  g: { type: generator, count: 2, lines: [x] }\nsinks:\n  o: { type: blackhole, inputs: [g] }\n",
                  to: "\(directory)/p.yaml")
        let json = try SwitchyardProcess.run(["run", "--log-format", "json", "\(directory)/p.yaml"])
        #expect(json.status == 0)
        let lines = json.stderr.split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["timestamp"] is String && object?["level"] is String && object?["message"] is String, "\(line)")
        }
        #expect(lines.contains { $0.contains(#""message":"stage summary""#) && $0.contains(#""stage":"o""#) })
        let text = try SwitchyardProcess.run(["run", "\(directory)/p.yaml"])
        #expect(text.stderr.split(separator: "\n").contains { $0.hasSuffix("info stage summary in=2 out=2 stage=o") })
    }

    @Test("every pipeline in pipelines/ validates")
    func examplePipelinesValidate() throws {
        let directory = SwitchyardProcess.repositoryRoot.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") }.map { directory.appendingPathComponent($0).path }
        #expect(files.contains { $0.hasSuffix("demo.yaml") })
        let result = try SwitchyardProcess.run(["validate"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == files.count)
    }

    @Test("validate reports every error as FILE:LINE:COLUMN, never prints secrets, exits 1")
    func validateErrors() throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/bad.yaml"
        try write("""
            sources:
              home: { type: generator, lines: [x], count: "${SECRET_TOKEN}" }
            sinks:
              out: { type: stdot, inputs: [hme] }
            """, to: file)
        let result = try SwitchyardProcess.run(["validate", file], environment: ["SECRET_TOKEN": "hunter2-secret"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):2:47: sources.home.count: expected an integer, found the value of ${SECRET_TOKEN}"))
        #expect(result.stderr.contains("\(file):4:16: sinks.out: unknown sink type 'stdot'; did you mean 'stdout'?"))
        #expect(result.stderr.contains("\(file):4:32: sinks.out: unknown input 'hme'; did you mean 'home'?"))
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"))
        #expect(result.stdout.contains("invalid (3 errors)"))
    }

    @Test("run: a finite pipeline drains to its sinks and exits 0; logs stay off stdout")
    func runToCompletion() throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        try write("""
            sources:
              gen: { type: generator, count: 5, lines: [hello] }
            sinks:
              console: { type: stdout, inputs: [gen], encoding: text }
              archive: { type: file, inputs: [gen], path: \(directory)/out.ndjson }
            """, to: file)
        let result = try SwitchyardProcess.run(["run", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == String(repeating: "hello\n", count: 5))
        #expect(lines("\(directory)/out.ndjson").count == 5)
        #expect(result.stderr.contains("pipeline drained"))
    }

    @Test("run: the demo pipeline works from the repository root")
    func demo() throws {
        let directory = try temporaryDirectory()
        let output = "\(directory)/demo.ndjson"
        let result = try SwitchyardProcess.run(
            ["run", "pipelines/demo.yaml"], environment: ["DEMO_OUTPUT": output],
            directory: SwitchyardProcess.repositoryRoot.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 20)
        #expect(lines(output).count == 20)
    }

    @Test("run: stdin until end of input")
    func stdin() throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        try write("""
            sources:
              in: { type: stdin }
            sinks:
              out: { type: stdout, inputs: [in] }
            """, to: file)
        let result = try SwitchyardProcess.run(["run", file], input: "{\"a\":1}\n{\"b\":2}\n")
        #expect(result.status == 0)
        #expect(result.stdout == "{\"a\":1}\n{\"b\":2}\n")
    }

    @Test("SIGTERM: sources stop, the graph drains, sinks flush, exit 0, nothing lost or cut",
          arguments: [[], ["--threads", "1"]])
    func sigtermDrains(options: [String]) throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        let output = "\(directory)/out.ndjson"
        try write("""
            sources:
              gen: { type: generator, interval: 1ms, event: { kind: tick } }
            sinks:
              out: { type: file, inputs: [gen], path: \(output), flush_interval: 50ms }
            """, to: file)
        let child = try SwitchyardProcess(["run", file] + options)
        #expect(waitUntil { lines(output).count >= 20 }, "the pipeline never wrote")
        child.signal(SIGTERM)
        let result = child.finish()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("draining"))
        let written = lines(output)
        let sequences = written.compactMap { line -> Int? in
            guard let range = line.range(of: "\"sequence\":") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(sequences == Array(1...written.count), "every event, in order, each line whole")
        #expect(written.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    /// Whether a process whose command line contains `text` is running.
    private func processRunning(withArgument text: String) -> Bool {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.contains { entry in
            guard entry.allSatisfy(\.isNumber), let commandLine = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return false }
            return String(decoding: commandLine, as: UTF8.self).contains(text)
        }
    }

    @Test("a second signal exits at once, without waiting for the drain, and kills the exec stages' programs")
    func secondSignalExits() throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        let duration = "600.\(Int.random(in: 100_000...999_999))"  // names this test's program
        // The program never answers `ok`, and may take a minute to stop: the drain cannot finish.
        try write("""
            sources:
              gen: { type: generator, interval: 10ms, lines: [x] }
            sinks:
              out: { type: exec, inputs: [gen], command: [sleep, "\(duration)"], acknowledgements: true, timeout: 60s, stop_timeout: 60s }
            """, to: file)
        let child = try SwitchyardProcess(["run", file])
        Thread.sleep(forTimeInterval: 0.5)
        child.signal(SIGINT)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(child.process.isRunning, "the drain should still be waiting on the blocked sink")
        child.signal(SIGINT)
        let result = child.finish()
        #expect(result.status == 128 + SIGINT)
        #expect(result.stderr.contains("exiting without draining"))
        // Before, the program was left running, on its own, for ten minutes.
        #expect(waitUntil { !processRunning(withArgument: duration) }, "the exec sink's program outlived the process")
    }

    @Test("a failing stage is named and the exit status is non-zero")
    func stageFailure() throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        try write("""
            sources:
              missing: { type: file, path: \(directory)/does-not-exist.ndjson }
            sinks:
              out: { type: blackhole, inputs: [missing] }
            """, to: file)
        let result = try SwitchyardProcess.run(["run", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("stage 'missing' failed: cannot open \(directory)/does-not-exist.ndjson"))
    }

    @Test("stages lists every type; stages TYPE documents options and an example")
    func stages() throws {
        let list = try SwitchyardProcess.run(["stages"])
        #expect(list.status == 0)
        for name in ["file", "stdin", "generator", "stdout", "blackhole"] { #expect(list.stdout.contains("  \(name) ")) }
        let file = try SwitchyardProcess.run(["stages", "file"])
        #expect(file.stdout.contains("file (source)"))
        #expect(file.stdout.contains("file (sink)"))
        #expect(file.stdout.contains("follow: bool (default: false)"))
        #expect(file.stdout.contains("Example:"))
        let unknown = try SwitchyardProcess.run(["stages", "fil"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("did you mean 'file'?"))
    }

    @Test("graph prints Mermaid and DOT")
    func graph() throws {
        let demo = SwitchyardProcess.repositoryRoot.appendingPathComponent("pipelines/demo.yaml").path
        let mermaid = try SwitchyardProcess.run(["graph", demo])
        #expect(mermaid.status == 0)
        #expect(mermaid.stdout.hasPrefix("flowchart LR\n"))
        #expect(mermaid.stdout.contains("  home --> console\n"))
        let dot = try SwitchyardProcess.run(["graph", "--format", "dot", demo])
        #expect(dot.stdout.contains("\"home\" -> \"archive\";"))
    }

    @Test("test: the pipeline's tests pass, exit 0")
    func pipelineTestsPass() throws {
        let w2 = SwitchyardProcess.repositoryRoot.appendingPathComponent("pipelines/w2-filter-transform.yaml").path
        let result = try SwitchyardProcess.run(["test", w2])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("test hot sensors are kept and reshaped ... passed"))
        #expect(result.stdout.hasSuffix("2 passed, 0 failed\n"))
    }

    @Test("test: a failing test names the test, the stage and the event; exit 1")
    func pipelineTestsFail() throws {
        let directory = try temporaryDirectory()
        let w2 = SwitchyardProcess.repositoryRoot.appendingPathComponent("pipelines/w2-filter-transform.yaml").path
        let tests = "\(directory)/tests.yaml"
        try write("""
            tests:
              - name: wrongly expects cool sensors
                inputs:
                  - insert_at: sensors
                    event: { "data": { "entity_id": "sensor.t", "new_state": { "state": "25" } } }
                outputs:
                  - extract_from: shaped
                    conditions: [ '.pipeline == "w3"' ]
              - name: wrongly expects silence
                inputs:
                  - insert_at: sensors
                    event: { "data": { "entity_id": "sensor.t", "new_state": { "state": "25" } } }
                no_outputs_from: [ out ]
            """, to: tests)
        let result = try SwitchyardProcess.run(["test", w2, "--tests", tests])
        #expect(result.status == 1)
        #expect(result.stdout.contains("test wrongly expects cool sensors ... FAILED"))
        #expect(result.stdout.contains("\(tests):7:23: test 'wrongly expects cool sensors': from 'shaped': condition .pipeline == \"w3\" is false for event {\"data\":{\"entity_id\":\"sensor.t\",\"new_state\":{\"state\":\"25\"}},\"pipeline\":\"w2\",\"timestamp\":null}"))
        #expect(result.stdout.contains("'out' should emit nothing but emitted 1 event(s)"))
        #expect(result.stdout.hasSuffix("0 passed, 2 failed\n"))
    }

    @Test("test: a test that names an unknown stage is a load error with its position")
    func pipelineTestsUnknownStage() throws {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        try write("""
            sources:
              src: { type: stdin }
            transforms:
              keep: { type: filter, inputs: [src], condition: 'true' }
            sinks:
              out: { type: blackhole, inputs: [keep] }
            tests:
              - name: t
                inputs: [ { insert_at: kep, event: {} } ]
            """, to: file)
        let result = try SwitchyardProcess.run(["validate", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):9:28: tests[0].inputs[0].insert_at: unknown stage 'kep'; did you mean 'keep'?"))
    }

    /// The shared benchmark kit (generator and reference verifier), present beside the repository in CI.
    static let sharedBench = SwitchyardProcess.repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/bench").path

    @Test("W2 pipeline output passes the shared reference verifier as strict, on the global pool and on one thread",
          .enabled(if: FileManager.default.fileExists(atPath: CLITests.sharedBench + "/verify.py")),
          arguments: [[], ["--threads", "1"]])
    func w2MatchesReference(options: [String]) throws {
        let directory = try temporaryDirectory()
        let input = "\(directory)/in.ndjson"
        let output = "\(directory)/out.ndjson"
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = ["python3", "\(Self.sharedBench)/gen_events.py", "5000", input]
        try generate.run()
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)
        let w2 = SwitchyardProcess.repositoryRoot.appendingPathComponent("pipelines/w2-filter-transform.yaml").path
        let result = try SwitchyardProcess.run(["run", w2] + options, environment: ["W2_INPUT": input, "W2_OUTPUT": output])
        #expect(result.status == 0, "\(result.stderr)")
        let verify = Process()
        let pipe = Pipe()
        verify.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        verify.arguments = ["python3", "\(Self.sharedBench)/verify.py", "w2", input, output]
        verify.standardOutput = pipe
        try verify.run()
        let verdict = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        verify.waitUntilExit()
        #expect(verdict.hasPrefix("OK strict"), "\(verdict)")
    }
}
