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
        #expect(EventCollector.events(out).map(\.value) == [["a": 1], ["a": 2], ["a": 3]])
        #expect(metrics["in"]?.errors == 1)
        #expect(metrics["in"]?.eventsOut == 3)
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
        #expect(EventCollector.events(out).map(\.value) == [["message": "hello"], ["message": "wörld {not json}"]])
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
        let numbered = { EventCollector.events(out).compactMap { $0.value["n"] } }
        let probes = { EventCollector.events(out).filter { $0.value["probe"] != nil }.count }

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
        #expect(EventCollector.events(first).map { $0.value["n"] } == [1, 2, 3])
        #expect(FileManager.default.fileExists(atPath: "\(directory)/state/in/checkpoint.json"))

        try Fixture.append("{\"n\":4}\n{\"n\":5}\n", to: path)
        let second = Fixture.unique("second")
        try await Fixture.harness.run(yaml(second))
        #expect(EventCollector.events(second).map { $0.value["n"] } == [4, 5], "no line read twice, none skipped")

        // Another file at the same path (a new inode) is read from its start.
        try FileManager.default.removeItem(atPath: path)
        try Fixture.append("{\"n\":6}\n", to: path)
        let third = Fixture.unique("third")
        try await Fixture.harness.run(yaml(third))
        #expect(EventCollector.events(third).map { $0.value["n"] } == [6])
    }
}
