import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("file source")
struct FileSourceTests {
    @Test("reads every line to the end, including a last line without newline; bad lines are counted")
    func readsToEnd() async throws {
        let directory = try Fixture.directory()
        let out = Fixture.unique("out")
        try Fixture.append("{\"a\":1}\nnot json\n\n{\"a\":2}\r\n{\"a\":3}", to: "\(directory)/in.ndjson")
        let metrics = try await Fixture.harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            sinks:
              out: { type: collect, inputs: [in], name: \(out) }
            """)
        #expect(Fixture.harness.collector.events(out).map(\.value) == [["a": 1], ["a": 2], ["a": 3]])
        #expect(metrics["in"]?.errors == 1)
        #expect(metrics["in"]?.eventsOut == 3)
    }

    /// Reads `text` with a file source (with `options`); returns the `n` of each event, in
    /// order, and the source's error count.
    private func numbersRead(from text: String, options: String = "") async throws -> (numbers: [Int], errors: Int?) {
        let directory = try Fixture.directory()
        let out = Fixture.unique("out")
        try Fixture.append(text, to: "\(directory)/in.ndjson")
        let metrics = try await Fixture.harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.ndjson\(options) }
            sinks:
              out: { type: collect, inputs: [in], name: \(out) }
            """)
        let numbers = Fixture.harness.collector.events(out).compactMap { event -> Int? in
            if case .int(let n)? = event.value["n"] { return Int(n) }
            return nil
        }
        return (numbers, metrics["in"]?.errors)
    }

    @Test("a large read is checked in two halves at once: every event in file order, bad lines in both halves counted")
    func largeReadsInOrder() async throws {
        // About 1 MB: reads of up to 512 KiB (read_size), each well over the size checked on two tasks.
        let padding = String(repeating: "p", count: 180)
        let lines = (0..<5_000).map { $0 == 10 || $0 == 4_000 ? "{broken \($0)" : #"{"n":\#($0),"pad":"\#(padding)"}"# }
        let (numbers, errors) = try await numbersRead(from: lines.joined(separator: "\n") + "\n")
        #expect(numbers == (0..<5_000).filter { $0 != 10 && $0 != 4_000 })
        #expect(errors == 2)
    }

    @Test("read_size: lines longer than a read, and lines cut by reads, arrive whole and in order")
    func smallReads() async throws {
        // Lines of 10 B to 20 KB against reads of 4 KiB: most reads end inside a line, and
        // the longest lines span five reads.
        let lines = (0..<300).map { #"{"n":\#($0),"pad":"\#(String(repeating: "p", count: ($0 * 67) % 20_000))"}"# }
        let (numbers, errors) = try await numbersRead(from: lines.joined(separator: "\n") + "\n", options: ", read_size: 4KiB")
        #expect(numbers == Array(0..<300))
        #expect(errors == 0)
    }

    @Test("read_size outside 4KiB-64MiB is refused at load, naming the option")
    func readSizeBounds() throws {
        for size in ["1KiB", "65MiB"] {
            #expect {
                try Fixture.harness.pipeline("""
                    sources:
                      in: { type: file, path: /tmp/in.ndjson, read_size: \(size) }
                    sinks:
                      out: { type: collect, inputs: [in], name: x }
                    """)
            } throws: { "\($0)".contains("read_size") && "\($0)".contains("between 4KiB and 64MiB") }
        }
    }

    @Test("a byte order mark at the start of a file is skipped; one inside the file is a bad line, counted")
    func byteOrderMark() async throws {
        let (numbers, errors) = try await numbersRead(from: "\u{FEFF}{\"n\":0}\n\u{FEFF}{\"n\":1}\n{\"n\":2}\n")
        #expect(numbers == [0, 2])
        #expect(errors == 1)
    }

    @Test("a read of very many short and blank lines: decoded in groups as it is split, every event in order")
    func manyShortLines() async throws {
        // 40,000 events between 40,000 blank lines: several groups of 8,192 lines in one read.
        let (numbers, errors) = try await numbersRead(from: (0..<40_000).map { "{\"n\":\($0)}\n\n" }.joined())
        #expect(numbers == Array(0..<40_000))
        #expect(errors == 0)
    }

    @Test("format lines wraps each line as message")
    func linesFormat() async throws {
        let directory = try Fixture.directory()
        let out = Fixture.unique("out")
        try Fixture.append("hello\nwörld {not json}\n", to: "\(directory)/in.log")
        try await Fixture.harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.log, format: lines }
            sinks:
              out: { type: collect, inputs: [in], name: \(out) }
            """)
        #expect(Fixture.harness.collector.events(out).map(\.value) == [["message": "hello"], ["message": "wörld {not json}"]])
    }

    @Test("a missing file without follow fails the stage")
    func missingFile() async throws {
        let pipeline = try Fixture.harness.pipeline("""
            sources:
              in: { type: file, path: /nonexistent/switchyard/in.ndjson }
            sinks:
              out: { type: blackhole, inputs: [in] }
            """)
        await #expect {
            try await pipeline.run()
        } throws: { error in
            "\(error)".contains("stage 'in' failed: cannot open /nonexistent/switchyard/in.ndjson")
        }
    }

    @Test("a named pipe or a directory is refused at once, with what to use instead, even when following",
          arguments: [(true, false), (true, true), (false, false)])
    func notARegularFile(pipe: Bool, follow: Bool) async throws {
        let path = try Fixture.directory() + (pipe ? "/pipe" : "")
        if pipe { #expect(mkfifo(path, 0o600) == 0) }
        let pipeline = try Fixture.harness.pipeline("""
            sources:
              in: { type: file, path: \(path), follow: \(follow) }
            sinks:
              out: { type: blackhole, inputs: [in] }
            """)
        // Before, opening the pipe waited for a writer, and no stop could end the wait.
        await #expect {
            try await pipeline.run()
        } throws: { error in
            "\(error)".contains("stage 'in' failed: \(path) is \(pipe ? "a named pipe" : "a directory"), not a regular file: the file source reads regular files")
                && "\(error)".contains("stdin source")
        }
    }

    @Test("follow: reads appended lines, follows rename+recreate rotation and truncation, in order")
    func followRotationAndTruncation() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/app.ndjson"
        let out = Fixture.unique("out")
        try Fixture.append("{\"n\":0}\n", to: path)
        let pipeline = try Fixture.harness.pipeline("""
            sources:
              in: { type: file, path: \(path), follow: true, read_from: end }
            sinks:
              out: { type: collect, inputs: [in], name: \(out) }
            """)
        let run = Task { try await pipeline.run() }
        let numbered = { Fixture.harness.collector.events(out).compactMap { $0.value["n"] } }
        let probes = { Fixture.harness.collector.events(out).filter { $0.value["probe"] != nil }.count }

        // Probe lines until one arrives: from then on the source is at the end of the file
        // (the first line, written before it started, is skipped by read_from: end).
        var sent = 0
        #expect(try await Fixture.eventually(30) {
            if probes() == 0 {
                sent += 1
                try Fixture.append("{\"probe\":\(sent)}\n", to: path)
            }
            return probes() > 0
        })

        try Fixture.append("{\"n\":1}\n{\"n\":2", to: path)
        #expect(try await Fixture.eventually { numbered().count == 1 }, "a partial line waits for its newline")
        try Fixture.append("}\n", to: path)
        #expect(try await Fixture.eventually { numbered().count == 2 })

        // Rotation: a last line lands in the old file, which is renamed; a new file takes its place.
        try Fixture.append("{\"n\":3}\n", to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try Fixture.append("{\"n\":4}\n{\"probe\":\"\(String(repeating: "x", count: 100))\"}\n", to: path)
        #expect(try await Fixture.eventually { numbered().count == 4 })

        // Truncation: the file is emptied in place and written again from its start, shorter
        // than where the source was, so the truncation is seen however late the source looks.
        try Data().write(to: URL(fileURLWithPath: path))
        try Fixture.append("{\"n\":5}\n", to: path)
        #expect(try await Fixture.eventually { numbered().count == 5 })

        pipeline.stop()
        try await run.value
        #expect(numbered() == [1, 2, 3, 4, 5])
    }

    @Test("with data_dir, a restarted source resumes after the last line it sent")
    func checkpointResume() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/in.ndjson"
        try Fixture.append("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", to: path)
        let yaml = { (collector: String) in """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(path) }
            sinks:
              out: { type: collect, inputs: [in], name: \(collector) }
            """ }
        let first = Fixture.unique("first")
        try await Fixture.harness.run(yaml(first))
        #expect(Fixture.harness.collector.events(first).map { $0.value["n"] } == [1, 2, 3])
        #expect(FileManager.default.fileExists(atPath: "\(directory)/state/in/checkpoint.json"))

        try Fixture.append("{\"n\":4}\n{\"n\":5}\n", to: path)
        let second = Fixture.unique("second")
        try await Fixture.harness.run(yaml(second))
        #expect(Fixture.harness.collector.events(second).map { $0.value["n"] } == [4, 5], "no line read twice, none skipped")

        // Another file at the same path (a new inode) is read from its start.
        try FileManager.default.removeItem(atPath: path)
        try Fixture.append("{\"n\":6}\n", to: path)
        let third = Fixture.unique("third")
        try await Fixture.harness.run(yaml(third))
        #expect(Fixture.harness.collector.events(third).map { $0.value["n"] } == [6])
    }

    /// The offset in the source's saved checkpoint, if there is one.
    private func savedOffset(_ directory: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: "\(directory)/state/in/checkpoint.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["offset"] as? Int
    }

    @Test("the checkpoint moves only once the sink has acknowledged, and is saved soon after")
    func checkpointWaitsForAcknowledgement() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/in.ndjson"
        let text = (1...500).map { "{\"n\":\($0)}\n" }.joined()
        try Fixture.append(text, to: path)
        let (out, hold) = (Fixture.unique("out"), Fixture.unique("hold"))
        let pipeline = try Fixture.harness.pipeline("""
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(path), follow: true }
            sinks:
              out: { type: collect, inputs: [in], name: \(out), hold: \(hold) }
            """)
        let run = Task { try await pipeline.run() }
        #expect(try await Fixture.eventually { Fixture.harness.collector.events(out).count == 500 })
        // The sink has every event but acknowledged none: following the file, the source is idle.
        try await Task.sleep(for: .milliseconds(300))
        #expect(savedOffset(directory) == nil, "no checkpoint before the sink acknowledged")
        pipeline.stop()
        Fixture.harness.gates.open(hold)
        try await run.value
        #expect(savedOffset(directory) == text.utf8.count)
    }

    @Test("with acknowledgements flowing, a followed file's checkpoint reaches its end while the pipeline runs")
    func checkpointSavedWhileRunning() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/in.ndjson"
        try Fixture.append("{\"n\":1}\n{\"n\":2}\n", to: path)
        let pipeline = try Fixture.harness.pipeline("""
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(path), follow: true }
            sinks:
              out: { type: file, inputs: [in], path: \(directory)/out.ndjson }
            """)
        let run = Task { try await pipeline.run() }
        #expect(try await Fixture.eventually { savedOffset(directory) == 16 })
        try Fixture.append("{\"n\":3}\n", to: path)
        #expect(try await Fixture.eventually { savedOffset(directory) == 24 })
        pipeline.stop()
        try await run.value
    }

    @Test("a checkpoint of another file at the same inode (rewritten in place) is not used")
    func fingerprintMismatch() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/in.ndjson"
        try Fixture.append("{\"n\":1}\n{\"n\":2}\n", to: path)
        let yaml = { (collector: String) in """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(path) }
            sinks:
              out: { type: collect, inputs: [in], name: \(collector) }
            """ }
        let first = Fixture.unique("first")
        try await Fixture.harness.run(yaml(first))
        #expect(Fixture.harness.collector.events(first).count == 2)
        // Same inode, other content, longer than the saved offset.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("{\"m\":1}\n{\"m\":2}\n{\"m\":3}\n".utf8))
        try handle.close()
        let second = Fixture.unique("second")
        try await Fixture.harness.run(yaml(second))
        #expect(Fixture.harness.collector.events(second).map { $0.value["m"] } == [1, 2, 3])
    }

    @Test("a line longer than max_line_bytes is skipped without being held, counted, and the lines around it arrive")
    func overlongLine() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/in.ndjson"
        let long = "{\"pad\":\"" + String(repeating: "x", count: 3 << 20) + "\"}"
        try Fixture.append("{\"n\":1}\n" + long + "\n{\"n\":2}\n" + String(repeating: "y", count: 5000) + "\n{\"n\":3}\n", to: path)
        let out = Fixture.unique("out")
        let metrics = try await Fixture.harness.run("""
            sources:
              in: { type: file, path: \(path), max_line_bytes: 4KiB }
            sinks:
              out: { type: collect, inputs: [in], name: \(out) }
            """)
        #expect(Fixture.harness.collector.events(out).map { $0.value["n"] } == [1, 2, 3])
        #expect(metrics["in"]?.errors == 2)
        #expect(metrics["in"]?.dropped == 2)
    }

    @Test("a file without any newline (binary data) is skipped to its end, not held in memory")
    func noNewline() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/in.bin"
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 0, count: 8 << 20))
        let out = Fixture.unique("out")
        let metrics = try await Fixture.harness.run("""
            sources:
              in: { type: file, path: \(path), max_line_bytes: 64KiB }
            sinks:
              out: { type: collect, inputs: [in], name: \(out) }
            """)
        #expect(Fixture.harness.collector.events(out).isEmpty)
        #expect(metrics["in"]?.errors == 1)
    }
}
