import Foundation
import GRDB
import Synchronization
import Testing

/// `kill -9` at the worst moments (right after the checkpoint was replaced), restart, repeat:
/// every input line arrives at least once, and duplicates stay within what was in flight.
@Suite("crash: kill -9 and restart lose nothing", .serialized)
struct CrashTests {
    static let total = 200_000
    static let kills = 3
    /// What one kill may duplicate: the sink's 2,000-event buffer, the batch (a 1 MiB read,
    /// about 10,000 of these lines) the source was sending, the sink's batch in hand, and what
    /// was acknowledged in the last 100 ms before the checkpoint was written.
    static let duplicatesPerKill = 60_000

    private func makeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Set once the kills are over: the input writer then writes the rest at once.
    final class KillsOver: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Appends 200,000 lines of about 100 bytes, each with its `id`, while the pipeline runs:
    /// 2,000 lines every 50 ms until `killsOver` (so that every run killed has new lines to
    /// read and checkpoint, however fast it reads), then the rest.
    private func writeInput(_ path: String, killsOver: KillsOver) -> Thread {
        FileManager.default.createFile(atPath: path, contents: nil)
        let thread = Thread {
            let pad = String(repeating: "p", count: 70)
            let handle = FileHandle(forWritingAtPath: path)!
            var written = 0
            while written < CrashTests.total {
                let over = killsOver.value.load(ordering: .relaxed)
                let step = over ? CrashTests.total - written : min(2_000, CrashTests.total - written)
                var text = ""
                for id in written..<(written + step) { text += "{\"id\":\(id),\"pad\":\"\(pad)\"}\n" }
                handle.write(Data(text.utf8))
                written += step
                if !over { Thread.sleep(forTimeInterval: 0.05) }
            }
            try? handle.close()
        }
        thread.start()
        return thread
    }

    private func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    /// How a run with kills went.
    struct CrashRun: Sendable {
        var directory = ""
        var kills = 0
        var completed = false
        var finalStatus: Int32 = -1
        var finalStderr = ""
    }

    /// Runs `pipeline` (following its input while it is written), killing it with SIGKILL shortly
    /// after each of its first `kills` checkpoint replacements; then runs it until `complete()`
    /// and stops it with SIGTERM.
    private func runWithKills(_ pipeline: String, checkpoint: String, killsOver: KillsOver? = nil,
                              complete: () -> Bool) throws -> CrashRun {
        var run = CrashRun()
        var lastInode = inode(checkpoint)
        while run.kills < Self.kills {
            let child = try SwitchyardProcess(["run", pipeline])
            child.closeInput()
            let replaced = waitUntil(5) { !child.process.isRunning || (inode(checkpoint).map { $0 != lastInode } ?? false) }
            guard replaced, child.process.isRunning else {
                child.signal(SIGKILL)
                _ = child.finish()
                break
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.03))
            child.signal(SIGKILL)
            _ = child.finish()
            run.kills += 1
            lastInode = inode(checkpoint)
        }
        killsOver?.value.store(true, ordering: .relaxed)
        let child = try SwitchyardProcess(["run", pipeline])
        child.closeInput()
        run.completed = waitUntil(120) { complete() }
        child.signal(SIGTERM)
        let result = child.finish()
        run.finalStatus = result.status
        run.finalStderr = result.stderr
        return run
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

    /// Writes a pipeline following the input into `sink` (YAML of one sink named `out`), feeds
    /// the input while it runs with kills; returns the directory and the number of kills.
    private func crashRun(sink: (String) -> String, complete: @escaping (String) -> Bool) throws -> CrashRun {
        let directory = try makeDirectory()
        let killsOver = KillsOver()
        let writer = writeInput("\(directory)/in.ndjson", killsOver: killsOver)
        let pipeline = "\(directory)/p.yaml"
        try """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(directory)/in.ndjson, follow: true }
            sinks:
              out: \(sink(directory))
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        var run = try runWithKills(pipeline, checkpoint: "\(directory)/state/in/checkpoint.json", killsOver: killsOver) {
            writer.isFinished && complete(directory)
        }
        run.directory = directory
        return run
    }

    /// The ids in the file sink's output, and how many lines were not whole events.
    private func fileOutput(_ directory: String) -> (ids: [Int], torn: Int) {
        let output = (try? String(contentsOfFile: "\(directory)/out.ndjson", encoding: .utf8)) ?? ""
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
        return (ids, torn)
    }

    private func sqliteIDs(_ directory: String) -> [Int] {
        guard let queue = try? DatabaseQueue(path: "\(directory)/out.db") else { return [] }
        return (try? queue.read { try Int.fetchAll($0, sql: "SELECT event_id FROM events") }) ?? []
    }

    @Test("file -> file, 200k events, kill -9 three times: 0 lost, duplicates bounded, no torn line")
    func fileToFile() async throws {
        let run = try await offPool { try self.crashRun(sink: { "{ type: file, inputs: [in], path: \($0)/out.ndjson }" }) {
            Set(self.fileOutput($0).ids).count >= Self.total
        } }
        let (directory, kills) = (run.directory, run.kills)
        #expect(run.completed, "every event arrived after the restarts")
        #expect(run.finalStatus == 0, "\(run.finalStderr)")
        #expect(kills == Self.kills, "the pipeline was killed \(Self.kills) times")
        let (ids, torn) = fileOutput(directory)
        #expect(torn == 0, "every line of the output is a whole event")
        _ = verify(ids, kills: kills, "file -> file")
    }

    @Test("file -> sqlite, 200k events, kill -9 three times: 0 lost, duplicates bounded")
    func fileToSQLite() async throws {
        let run = try await offPool { try self.crashRun(sink: {
            "{ type: sqlite, inputs: [in], path: \($0)/out.db, table: events, columns: { event_id: .id } }"
        }) { Set(self.sqliteIDs($0)).count >= Self.total } }
        let (directory, kills) = (run.directory, run.kills)
        #expect(run.completed, "every event arrived after the restarts")
        #expect(run.finalStatus == 0, "\(run.finalStderr)")
        #expect(kills == Self.kills, "the pipeline was killed \(Self.kills) times")
        _ = verify(sqliteIDs(directory), kills: kills, "file -> sqlite")
    }

    @Test("file -> http sink with a disk buffer: receiver down, kill -9 during the outage, restart, receiver back: 0 lost")
    func diskBufferOutage() async throws {
        let run = try await offPool { try self.diskBufferRun() }
        #expect(run.checkpointReachedEnd, "the source was acknowledged once its events were in the disk buffer, receiver down")
        #expect(run.finalStatus == 0, "\(run.stderr)")
        var seen = Set<Int>()
        var received = 0
        for line in run.received.split(separator: "\n") {
            guard let range = line.range(of: "\"id\":"), let id = Int(line[range.upperBound...].prefix { $0.isNumber }) else { continue }
            seen.insert(id)
            received += 1
        }
        print("disk buffer outage: \(Self.outageEvents) events, \(Self.outageEvents - seen.count) lost, \(received - seen.count) duplicates")
        #expect(seen.count == Self.outageEvents, "0 lost")
    }

    static let outageEvents = 20_000

    struct OutageRun: Sendable {
        var checkpointReachedEnd = false
        var finalStatus: Int32 = -1
        var stderr = ""
        var received = ""
    }

    private func diskBufferRun() throws -> OutageRun {
        var run = OutageRun()
        let directory = try makeDirectory()
        let input = "\(directory)/in.ndjson"
        let text = (0..<Self.outageEvents).map { "{\"id\":\($0),\"pad\":\"\(String(repeating: "p", count: 50))\"}\n" }.joined()
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let port = Int.random(in: 40000...49999)
        let pipeline = "\(directory)/p.yaml"
        try """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(input) }
            sinks:
              out:
                type: http
                inputs: [in]
                uri: http://127.0.0.1:\(port)/ingest
                retry: { initial_backoff: 100ms, max_backoff: 300ms }
                buffer: { type: disk, max_size: 256MiB }
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        // The receiver is down: the source's events go into the disk buffer and are acknowledged there.
        let first = try SwitchyardProcess(["run", pipeline])
        first.closeInput()
        let checkpoint = "\(directory)/state/in/checkpoint.json"
        run.checkpointReachedEnd = waitUntil(30) {
            guard let data = FileManager.default.contents(atPath: checkpoint),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
            return object["offset"] as? Int == text.utf8.count
        }
        first.signal(SIGKILL)
        _ = first.finish()
        // The receiver comes back; the restarted pipeline delivers what the buffer holds.
        let received = "\(directory)/received.ndjson"
        let receiver = try PythonReceiver.start(port: port, file: received, directory: directory)
        defer {
            // SIGKILL: a child spawned from a test thread inherits its blocked signals (SIGTERM among them).
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }
        // No wait for the receiver to listen: the sink retries refused connections.
        let second = try SwitchyardProcess(["run", pipeline])
        second.closeInput()
        let result = second.finish()
        run.finalStatus = result.status
        run.stderr = result.stderr
        run.received = (try? String(contentsOfFile: received, encoding: .utf8)) ?? ""
        return run
    }

    @Test("a second process on the same data_dir is refused at once, naming the first; after the first is killed -9 it starts")
    func dataDirectoryLock() throws {
        let directory = try makeDirectory()
        let file = "\(directory)/p.yaml"
        try """
            data_dir: \(directory)/state
            sources:
              gen: { type: generator, interval: 50ms, event: { a: 1 } }
            sinks:
              out: { type: file, inputs: [gen], path: \(directory)/out.ndjson }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let first = try SwitchyardProcess(["run", file], stderrFile: "\(directory)/first.log")
        #expect(waitUntil { FileManager.default.contents(atPath: "\(directory)/out.ndjson")?.isEmpty == false })
        let second = try SwitchyardProcess.run(["run", file])
        #expect(second.status == 1)
        #expect(second.stderr.contains("data_dir \(directory)/state is in use by another switchyard process (pid \(first.processIdentifier))"),
                "\(second.stderr)")
        first.signal(SIGKILL)
        _ = first.finish()
        // The kernel let the lock go with the process: no stale lock after a crash.
        let third = try SwitchyardProcess(["run", file], stderrFile: "\(directory)/third.log")
        let lines = { (FileManager.default.contents(atPath: "\(directory)/out.ndjson") ?? Data()).count { $0 == 0x0A } }
        let before = lines()
        #expect(waitUntil { lines() > before })
        third.signal(SIGTERM)
        #expect(third.finish().status == 0)
    }
}
