import Foundation
import NATSClient
import NATSTestSupport
import SwitchyardTesting
import Testing

/// Three `switchyard run` processes share one durable consumer; one is killed with -9.
@Suite("nats worker pool", .serialized, .enabled(if: NATSServerProcess.isInstalled, "needs nats-server (Debian: nats-server; .ci/run installs it)"))
struct WorkerPoolTests {
    /// The `switchyard` binary, built next to the test bundle.
    static var binary: String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("switchyard").path),
            directory.pathComponents.count > 1
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("switchyard").path
    }

    /// (rows, distinct sequences) over the workers' databases, read with Python's sqlite3.
    static func rows(_ databases: [String]) throws -> (rows: Int, distinct: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import os, sqlite3, sys
            seqs = []
            for path in sys.argv[1:]:
                if not os.path.exists(path): continue
                try:
                    seqs += [row[0] for row in sqlite3.connect(path).execute("SELECT seq FROM events")]
                except sqlite3.OperationalError:
                    pass
            print(len(seqs), len(set(seqs)))
            """] + databases
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let numbers = text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    @Test("three workers on one durable consumer into three SQLite files; one killed with -9: every event in the union, duplicates bounded by max_ack_pending")
    func killedWorkerLosesNothing() async throws {
        let server = try NATSServerProcess()
        try await NATSStagesTests.createStream("WORK", subjects: ["work.>"], on: server)
        let count = 30_000
        let maxAckPending = 500
        _ = try await NATSStagesTests.harness.run("""
            sources:
              gen: { type: generator, count: \(count), event: { kind: job } }
            sinks:
              out: { type: nats, inputs: [gen], url: "\(server.url)", subject: work.job, msg_id: .sequence }
            """)
        let directory = NSTemporaryDirectory() + "switchyard-workers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            sources:
              work: { type: nats, url: "\(server.url)", stream: WORK, consumer: workers, subject: "work.>", batch: 100, ack_wait: 5s, max_ack_pending: \(maxAckPending) }
            sinks:
              db: { type: sqlite, inputs: [work], path: "\(directory)/${WORKER}.db", table: events, columns: { seq: .sequence }, batch: { max_events: 200, timeout: 100ms } }
            """.write(toFile: "\(directory)/worker.yaml", atomically: true, encoding: .utf8)
        let databases = (0..<3).map { "\(directory)/w\($0).db" }
        let workers = try (0..<3).map { index -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["run", "--progress-interval", "0", "\(directory)/worker.yaml"]
            process.environment = ProcessInfo.processInfo.environment.merging(["WORKER": "w\(index)"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        defer { workers.filter(\.isRunning).forEach { $0.terminate() } }
        let deadline = Date().addingTimeInterval(120)
        while try Self.rows(databases).rows < count / 3, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        kill(workers[0].processIdentifier, SIGKILL)
        workers[0].waitUntilExit()
        while try Self.rows(databases).distinct < count, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        for worker in workers.dropFirst() {
            worker.terminate()
            worker.waitUntilExit()
            #expect(worker.terminationStatus == 0)
        }
        let (rows, distinct) = try Self.rows(databases)
        print("worker pool: \(rows) rows, \(distinct) distinct events, \(rows - distinct) duplicates (max_ack_pending \(maxAckPending))")
        #expect(distinct == count, "events missing from the union")
        #expect(rows - distinct <= maxAckPending, "\(rows - distinct) duplicates, more than max_ack_pending")
    }
}
