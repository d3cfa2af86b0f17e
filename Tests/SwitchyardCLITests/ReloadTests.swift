import Foundation
import Testing

/// `switchyard run` reloading its configuration (SIGHUP, `--watch`) and reading several files.
@Suite("reload and multiple files", .serialized)
struct ReloadTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-reload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    private func lines(_ path: String) -> [String] { text(path).split(separator: "\n").map(String.init) }

    private func count(_ needle: String, in path: String) -> Int { text(path).components(separatedBy: needle).count - 1 }

    /// The `sequence` and `v` fields of each NDJSON line.
    private func events(_ path: String) -> [(sequence: Int, v: Int?)] {
        lines(path).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let sequence = object["sequence"] as? Int else { return nil }
            return (sequence, object["v"] as? Int)
        }
    }

    /// Generator -> remap (and, in odd versions, a filter) -> file: version `version` of it.
    private func pipeline(version: Int, output: String) -> String {
        let filtered = version % 2 == 1
        return """
            sources:
              gen: { type: generator, interval: 1ms, event: { kind: tick } }
            transforms:
              tag: { type: remap, inputs: [gen], source: ".v = \(version)" }
            \(filtered ? "  keep: { type: filter, inputs: [tag], condition: \".sequence > 0\" }" : "")
            sinks:
              out: { type: file, inputs: [\(filtered ? "keep" : "tag")], path: \(output), flush_interval: \(10 + version)ms }
            """
    }

    /// Writes version 0 of the pipeline and runs it with `options`, logging to a file.
    private func start(_ options: [String]) throws -> (child: SwitchyardProcess, file: String, output: String, log: String) {
        let directory = try temporaryDirectory()
        let file = "\(directory)/p.yaml"
        let output = "\(directory)/out.ndjson"
        let log = "\(directory)/log.txt"
        try write(pipeline(version: 0, output: output), to: file)
        return (try SwitchyardProcess(["run"] + options + [file], stderrFile: log), file, output, log)
    }

    @Test("ten SIGHUP reloads while events flow: every event written exactly once, in order, with the version of its time",
          arguments: [[], ["--threads", "1"]])
    func tenReloadsLoseNothing(options: [String]) async throws {
        try await offPool {
            let (child, file, output, log) = try start(options)
            #expect(waitUntil { lines(output).count >= 20 }, "the pipeline never wrote: \(text(log))")
            for version in 1...10 {
                let before = events(output).count
                try write(pipeline(version: version, output: output), to: file)
                child.signal(SIGHUP)
                #expect(waitUntil { count("configuration reloaded", in: log) == version }, "reload \(version): \(text(log))")
                // Events flow under the new version before the next reload.
                #expect(waitUntil { events(output).count > before + 10 && events(output).last?.v == version }, "after reload \(version)")
            }
            child.signal(SIGTERM)
            let result = child.finish()
            #expect(result.status == 0, "\(text(log))")
            let written = events(output)
            #expect(written.map(\.sequence) == Array(1...written.count), "each generated event once, in order")
            let versions = written.compactMap(\.v)
            #expect(versions.count == written.count && versions == versions.sorted(), "versions only go forward")
            #expect(Set(versions) == Set(0...10))
            #expect(text(log).contains("changed: tag") && text(log).contains("added: keep") && text(log).contains("removed: keep"))
            #expect(!text(log).contains(" error "), "\(text(log))")
        }
    }

    @Test("an invalid configuration is rejected with FILE:LINE:COLUMN; the pipeline runs on unchanged")
    func invalidReloadKeepsRunning() async throws {
        try await offPool {
            let (child, file, output, log) = try start([])
            #expect(waitUntil { lines(output).count >= 5 })
            try write(pipeline(version: 1, output: output).replacingOccurrences(of: "type: filter", with: "type: filtr"), to: file)
            child.signal(SIGHUP)
            #expect(waitUntil { text(log).contains("reload rejected") }, "\(text(log))")
            #expect(text(log).contains("\(file):5:") && text(log).contains("did you mean 'filter'"), "\(text(log))")
            let before = lines(output).count
            #expect(waitUntil { lines(output).count > before + 20 }, "the running pipeline stopped")
            child.signal(SIGTERM)
            let result = child.finish()
            #expect(result.status == 0)
            let written = events(output)
            #expect(written.map(\.sequence) == Array(1...written.count))
            #expect(written.allSatisfy { $0.v == 0 })
        }
    }

    @Test("--watch reloads when the file changes, without a signal")
    func watchReloads() async throws {
        try await offPool {
            let (child, file, output, log) = try start(["--watch", "--watch-interval", "100ms"])
            #expect(waitUntil { lines(output).count >= 5 })
            try write(pipeline(version: 2, output: output), to: file)
            #expect(waitUntil { events(output).last?.v == 2 }, "\(text(log))")
            #expect(text(log).contains("a configuration file changed"))
            child.signal(SIGTERM)
            #expect(child.finish().status == 0)
            let written = events(output)
            #expect(written.map(\.sequence) == Array(1...written.count))
        }
    }

    @Test("-c repeated and --config-dir merge files into one pipeline; a duplicate id names both files and lines")
    func multipleFiles() throws {
        let directory = try temporaryDirectory()
        let output = "\(directory)/out.ndjson"
        try FileManager.default.createDirectory(atPath: "\(directory)/conf.d", withIntermediateDirectories: true)
        try write("sources:\n  gen: { type: generator, count: 3, lines: [x] }\n", to: "\(directory)/conf.d/10-sources.yaml")
        try write("sinks:\n  out: { type: file, inputs: [gen], path: \(output) }\n", to: "\(directory)/conf.d/20-sinks.yml")
        try write("not yaml of ours", to: "\(directory)/conf.d/README")
        let fromDirectory = try SwitchyardProcess.run(["run", "--config-dir", "\(directory)/conf.d"])
        #expect(fromDirectory.status == 0, "\(fromDirectory.stderr)")
        #expect(lines(output).count == 3)

        let fromFiles = try SwitchyardProcess.run(["validate", "-c", "\(directory)/conf.d/10-sources.yaml", "-c", "\(directory)/conf.d/20-sinks.yml"])
        #expect(fromFiles.status == 0, "\(fromFiles.stdout)\(fromFiles.stderr)")

        try write("data_dir: \(directory)\nsinks:\n  gen: { type: blackhole, inputs: [gen] }\n", to: "\(directory)/dup.yaml")
        try write("data_dir: \(directory)\n", to: "\(directory)/dup2.yaml")
        let duplicate = try SwitchyardProcess.run(["validate", "--config-dir", "\(directory)/conf.d", "-c", "\(directory)/dup.yaml",
                                                   "-c", "\(directory)/dup2.yaml"])
        #expect(duplicate.status == 1)
        let messages = duplicate.stdout + duplicate.stderr
        #expect(messages.contains("\(directory)/dup.yaml:3:3: duplicate id 'gen'") && messages.contains("10-sources.yaml:2:3"), "\(messages)")
        #expect(messages.contains("\(directory)/dup2.yaml:1:1: data_dir is already set at \(directory)/dup.yaml:1:1"), "\(messages)")
    }
}
