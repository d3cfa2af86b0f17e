import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("file sink")
struct FileSinkTests {
    @Test("appends whole lines, making missing directories, keeping existing content")
    func appends() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/nested/dir/out.ndjson"
        try FileManager.default.createDirectory(atPath: "\(directory)/nested/dir", withIntermediateDirectories: true)
        try Fixture.append("{\"old\":true}\n", to: path)
        try await Fixture.harness.run("""
            sources:
              gen: { type: generator, count: 3, lines: [a, "b \\"quoted\\""] }
            sinks:
              out: { type: file, inputs: [gen], path: \(path), fsync: batch }
            """)
        #expect(try Fixture.read(path) == """
            {"old":true}
            {"message":"a","sequence":1}
            {"message":"b \\"quoted\\"","sequence":2}
            {"message":"a","sequence":3}

            """)
    }

    @Test("a named pipe is refused at once, whether or not a reader has it open; /dev/null is written",
          arguments: [false, true])
    func namedPipe(withReader: Bool) async throws {
        let path = try Fixture.directory() + "/pipe"
        #expect(mkfifo(path, 0o600) == 0)
        // A reader that holds the pipe open (O_NONBLOCK: it does not wait for a writer).
        let reader = withReader ? open(path, O_RDONLY | O_NONBLOCK) : -1
        defer { if reader >= 0 { close(reader) } }
        let pipeline = try Fixture.harness.pipeline("""
            sources:
              gen: { type: generator, count: 3, lines: [a] }
            sinks:
              out: { type: file, inputs: [gen], path: \(path) }
              devnull: { type: file, inputs: [gen], path: /dev/null }
            """)
        await #expect {
            try await pipeline.run()
        } throws: { error in
            "\(error)".contains("stage 'out' failed: \(path) is a named pipe, not a regular file: the file sink appends to regular files")
                && !"\(error)".contains("stage 'devnull'")
        }
    }

    @Test("a file left with a torn last line (a crash mid-write) is cut back to its last whole line")
    func partialLineRepair() async throws {
        let directory = try Fixture.directory()
        let path = "\(directory)/out.ndjson"
        try Fixture.append("{\"whole\":1}\n{\"cut\":", to: path)
        try await Fixture.harness.run("""
            sources:
              gen: { type: generator, count: 1, event: { a: 1 } }
            sinks:
              out: { type: file, inputs: [gen], path: \(path) }
            """)
        #expect(try Fixture.read(path) == "{\"whole\":1}\n{\"a\":1,\"sequence\":1}\n")

        // A file that is one torn line (no newline at all) is emptied before writing.
        try "{\"torn".write(toFile: path, atomically: false, encoding: .utf8)
        try await Fixture.harness.run("""
            sources:
              gen: { type: generator, count: 1, event: { b: 2 } }
            sinks:
              out: { type: file, inputs: [gen], path: \(path), fsync: batch }
            """)
        #expect(try Fixture.read(path) == "{\"b\":2,\"sequence\":1}\n")
    }

    @Test("file in, file out: the original bytes pass through unchanged")
    func passthroughKeepsBytes() async throws {
        let directory = try Fixture.directory()
        let input = "{ \"spaced\" : 1, \"u\": \"\\u00e9\" }\n{\"b\":[1,2]}\n"
        try Fixture.append(input, to: "\(directory)/in.ndjson")
        try await Fixture.harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            sinks:
              out: { type: file, inputs: [in], path: \(directory)/out.ndjson }
            """)
        #expect(try Fixture.read("\(directory)/out.ndjson") == input)
    }
}

@Suite("file sink templates")
struct FileSinkTemplateTests {
    @Test("a templated path writes one file per rendered value, confined to its directory")
    func templatedPaths() async throws {
        let directory = try Fixture.directory()
        let metrics = try await Fixture.harness.run("""
            sources:
              src: { type: memory, events: [{ id: sensor.a }, { id: light.b }, { id: sensor.a }, { id: ../../escape }, { other: 1 }] }
            sinks:
              out: { type: file, inputs: [src], path: "\(directory)/by-id/{{ .id }}.ndjson" }
            """)
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/by-id").sorted()
        #expect(files == ["__.._escape.ndjson", "light.b.ndjson", "sensor.a.ndjson"])
        #expect(metrics["out"]?.dropped == 1, "an event without the field cannot be placed: dropped and counted")
        #expect(metrics["out"]?.errors == 1)
        #expect(try Fixture.read("\(directory)/by-id/sensor.a.ndjson").split(separator: "\n").count == 2)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/escape.ndjson"))
    }

    @Test("a template over more files than may be open at once: files closed and reopened keep every line, in order, once")
    func moreFilesThanOpenLimit() async throws {
        let directory = try Fixture.directory()
        // 700 paths in turn (more than the 256 open at once), in 3.5 MB of input: about four
        // 1 MiB reads, each written out before the next, so every file is opened, closed to
        // make room, and opened again several times.
        let padding = String(repeating: "x", count: 480)
        let events = (0..<7_000).map { #"{"n":\#($0),"f":\#($0 % 700),"pad":"\#(padding)"}"# }
        try (events.joined(separator: "\n") + "\n").write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        let metrics = try await Fixture.harness.run("""
            sources:
              src: { type: file, path: "\(directory)/in.ndjson", follow: false }
            sinks:
              out: { type: file, inputs: [src], path: "\(directory)/out/{{ .f }}.ndjson" }
            """)
        #expect(metrics["out"]?.eventsOut == 7_000)
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/out")
        #expect(files.count == 700)
        for file in [0, 1, 255, 256, 699] {
            let lines = try Fixture.read("\(directory)/out/\(file).ndjson").split(separator: "\n").map(String.init)
            #expect(lines == (0..<10).map { #"{"n":\#(file + 700 * $0),"f":\#(file),"pad":"\#(padding)"}"# }, "file \(file)")
        }
    }
}
