import Foundation
import GRDB
import Testing

/// `kill -9` at the worst moments (right after the checkpoint was replaced), restart, repeat:
/// every input line arrives at least once, and duplicates stay within what was in flight.
@Suite("crash: kill -9 and restart lose nothing", .serialized)
struct CrashTests {
    static let total = 200_000
    static let kills = 3
    /// What one kill may duplicate: the sink's 10,000-event buffer, the batch (a 1 MiB read,
    /// about 10,000 of these lines) the source was sending, and the sink's batch in hand.
    static let duplicatesPerKill = 40_000

    private func makeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// 200,000 lines of about 100 bytes, each with its `id`.
    private func makeInput(_ path: String) throws {
        let pad = String(repeating: "p", count: 70)
        var text = ""
        text.reserveCapacity(Self.total * 100)
        for id in 0..<Self.total { text += "{\"id\":\(id),\"pad\":\"\(pad)\"}\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    /// Runs `pipeline`, killing it with SIGKILL shortly after each of its first `kills` checkpoint
    /// replacements, then lets a last run finish. Returns how many kills happened.
    private func runWithKills(_ pipeline: String, checkpoint: String) throws -> Int {
        var killed = 0
        var lastInode = inode(checkpoint)
        while killed < Self.kills {
            let child = try SwitchyardProcess(["run", pipeline])
            child.closeInput()
            let replaced = waitUntil(60) {
                !child.process.isRunning || (inode(checkpoint).map { $0 != lastInode } ?? false)
            }
            guard replaced, child.process.isRunning else {
                let result = child.finish()
                #expect(result.status == 0, "\(result.stderr)")
                return killed
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.03))
            child.signal(SIGKILL)
            _ = child.finish()
            killed += 1
            lastInode = inode(checkpoint)
        }
        let result = try SwitchyardProcess.run(["run", pipeline])
        #expect(result.status == 0, "\(result.stderr)")
        return killed
    }

    /// Checks that every id arrived; returns how many arrived more than once.
    private func verify(_ ids: [Int], kills: Int, _ label: String) -> Int {
        var seen = [UInt8](repeating: 0, count: Self.total)
        for id in ids where id >= 0 && id < Self.total { seen[id] = seen[id] &+ 1 }
        let missing = seen.filter { $0 == 0 }.count
        let duplicates = ids.count - (Self.total - missing)
        print("\(label): \(kills) kills, \(missing) lost, \(duplicates) duplicates")
        #expect(missing == 0, "\(label): \(missing) events lost")
        #expect(duplicates <= max(1, kills) * Self.duplicatesPerKill, "\(label): \(duplicates) duplicates")
        return duplicates
    }

    /// Writes the input and a pipeline reading it into `sink` (YAML of one sink named `out`);
    /// runs it with kills; returns the directory and the number of kills.
    private func crashRun(sink: (String) -> String) throws -> (directory: String, kills: Int) {
        let directory = try makeDirectory()
        try makeInput("\(directory)/in.ndjson")
        let pipeline = "\(directory)/p.yaml"
        try """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            sinks:
              out: \(sink(directory))
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        return (directory, try runWithKills(pipeline, checkpoint: "\(directory)/state/in/checkpoint.json"))
    }

    @Test("file -> file, 200k events, kill -9 three times: 0 lost, duplicates bounded, no torn line")
    func fileToFile() throws {
        let (directory, kills) = try crashRun { "{ type: file, inputs: [in], path: \($0)/out.ndjson }" }
        #expect(kills > 0, "the pipeline was killed at least once")
        let output = try String(contentsOfFile: "\(directory)/out.ndjson", encoding: .utf8)
        var ids: [Int] = []
        var torn = 0
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("{\"id\":"), line.hasSuffix("\"}"), let comma = line.firstIndex(of: ","),
                let id = Int(line[line.index(line.startIndex, offsetBy: 6)..<comma])
            else {
                torn += 1
                continue
            }
            ids.append(id)
        }
        #expect(output.hasSuffix("\n"))
        #expect(torn == 0, "every line of the output is a whole event")
        _ = verify(ids, kills: kills, "file -> file")
    }

    @Test("file -> sqlite, 200k events, kill -9 three times: 0 lost, duplicates bounded")
    func fileToSQLite() throws {
        let (directory, kills) = try crashRun {
            "{ type: sqlite, inputs: [in], path: \($0)/out.db, table: events, columns: { event_id: .id } }"
        }
        #expect(kills > 0, "the pipeline was killed at least once")
        let queue = try DatabaseQueue(path: "\(directory)/out.db")
        let ids = try queue.read { try Int.fetchAll($0, sql: "SELECT event_id FROM events") }
        _ = verify(ids, kills: kills, "file -> sqlite")
    }
}
