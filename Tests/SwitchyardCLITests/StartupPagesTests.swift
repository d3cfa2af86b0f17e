import Foundation
import Testing

/// `switchyard run` giving back the executable's pages that only start-up touched.
@Suite("start-up pages", .serialized)
struct StartupPagesTests {
    private func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    private func sequences(_ path: String) -> [Int] {
        text(path).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["sequence"] as? Int
        }
    }

    /// The megabytes in each `key="N.N MB"` of the release lines, in order.
    private func figures(_ key: String, in log: String) -> [Double] {
        log.split(separator: "\n").filter { $0.contains("start-up pages released") }.compactMap { line in
            guard let start = line.range(of: "\(key)=\"")?.upperBound,
                  let end = line[start...].range(of: " MB\"")?.lowerBound else { return nil }
            return Double(line[start..<end])
        }
    }

    /// Resident kB of the process's executable code (its `r-xp` mapping of the binary).
    private func residentCode(of pid: Int32) -> Int? {
        guard let smaps = try? String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8),
              let binary = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") else { return nil }
        var inCode = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 6, fields[0].contains("-") {
                inCode = fields[1] == "r-xp" && fields[5] == binary
            } else if inCode, fields.first == "Rss:", fields.count >= 2 {
                return Int(fields[1])
            }
        }
        return nil
    }

    @Test("once the pipeline runs, its start-up code is unmapped; events flow on unharmed, and a reload gives back its own")
    func startupPagesAreReleased() async throws {
        try await offPool {
            let directory = NSTemporaryDirectory() + "switchyard-pages-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = "\(directory)/p.yaml", output = "\(directory)/out.ndjson", log = "\(directory)/log.txt"
            func pipeline(_ version: Int) -> String {
                """
                sources:
                  gen: { type: generator, interval: 1ms, event: { kind: tick } }
                transforms:
                  tag: { type: remap, inputs: [gen], source: ".v = \(version)" }
                sinks:
                  out: { type: file, inputs: [tag], path: \(output), flush_interval: 10ms }
                """
            }
            try pipeline(0).write(toFile: file, atomically: true, encoding: .utf8)
            let child = try SwitchyardProcess(["run", "--log-level", "debug", file], stderrFile: log)

            #expect(waitUntil { figures("resident_before", in: text(log)).count == 1 }, "no release: \(text(log))")
            let before = figures("resident_before", in: text(log)), after = figures("resident_after", in: text(log))
            // Start-up ran megabytes of code; right after the release only what ran meanwhile is back.
            #expect(before.first.map { $0 >= 1 } == true && after.first.map { $0 < before[0] / 2 } == true, "\(text(log))")
            // What the running pipeline maps again is its own code, not start-up's.
            if let code = residentCode(of: child.processIdentifier) {
                #expect(Double(code) / 1024 < before[0] / 2, "\(code) kB of code resident after releasing \(before[0]) MB")
            }
            let released = sequences(output).count
            #expect(waitUntil { sequences(output).count > released + 50 }, "events stopped after the release: \(text(log))")

            try pipeline(1).write(toFile: file, atomically: true, encoding: .utf8)
            child.signal(SIGHUP)
            #expect(waitUntil { figures("resident_before", in: text(log)).count == 2 }, "no release after the reload: \(text(log))")
            let reloaded = sequences(output).count
            #expect(waitUntil { sequences(output).count > reloaded + 50 }, "events stopped after the reload: \(text(log))")

            child.signal(SIGTERM)
            #expect(child.finish().status == 0, "\(text(log))")
            let written = sequences(output)
            #expect(written == Array(1...written.count), "each generated event once, in order")
        }
    }
}
