import Foundation
import GRDB
import Testing

/// A real full disk: a 4 MiB tmpfs mounted in a private user and mount namespace (`unshare
/// -Urm`, no root needed where user namespaces are allowed), almost filled before the
/// pipeline starts, freed once the sinks say they are waiting.
@Suite("full disk: sinks wait for space, nothing lost")
struct DiskFullTests {
    /// Whether this machine lets a test mount a tmpfs of its own.
    static let canMountTmpfs: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["-Urm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    @Test("a file sink, a disk buffer and a sqlite sink on a full disk all hold the input back and go on once there is space: every line once, in order",
          .enabled(if: Self.canMountTmpfs, "needs unshare -Urm (user namespaces) to mount a tmpfs"))
    func sinksWaitForSpace() throws {
        let directory = NSTemporaryDirectory() + "switchyard-diskfull-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/disk", withIntermediateDirectories: true)
        // 3,000 lines of about 120 bytes: 360 KB, more than the 100 KB left on the disk.
        let lines = (0..<3_000).map { #"{"id":\#($0),"pad":"\#(String(repeating: "p", count: 100))"}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        try """
            data_dir: \(directory)/disk/data
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            sinks:
              db: { type: sqlite, inputs: [in], path: \(directory)/disk/events.db, table: events, columns: { raw: . } }
              onDisk: { type: file, inputs: [in], path: \(directory)/disk/out.ndjson }
              # Last: the source waits at a disk buffer that waits for space, after the others took the batch.
              buffered:
                type: file
                inputs: [in]
                path: \(directory)/buffered.ndjson
                buffer: { type: disk, max_size: 100MB }
            """.write(toFile: "\(directory)/p.yaml", atomically: true, encoding: .utf8)
        // Inside the namespace: mount, fill, start the pipeline; free the space once both kinds
        // of wait are in the log (at most 60 s), then copy what landed on the tmpfs out of it.
        let log = "\(directory)/log"
        let script = """
            set -e
            mount -t tmpfs -o size=4m tmpfs '\(directory)/disk'
            head -c 4094000 /dev/zero > '\(directory)/disk/filler'
            (
              for _ in $(seq 1200); do
                grep -q 'cannot write to the disk buffer' '\(log)' && grep -q 'out.ndjson: No space left' '\(log)' \\
                  && grep -q 'the disk is full; retrying a transaction' '\(log)' && break
                sleep 0.05
              done
              rm '\(directory)/disk/filler'
            ) &
            status=0
            '\(SwitchyardProcess.binary)' run '\(directory)/p.yaml' 2> '\(log)' || status=$?
            wait
            cp '\(directory)/disk/out.ndjson' '\(directory)/out-saved.ndjson'
            cp '\(directory)/disk/events.db' '\(directory)/events-saved.db'
            exit $status
            """
        let child = try SwitchyardProcess(["-Urm", "sh", "-c", script], executable: "/usr/bin/unshare")
        child.closeInput()
        let (status, _, errors) = child.finish()
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(errors)\n\(logText)")
        #expect(logText.contains("cannot write to the disk buffer"), "the disk buffer waited")
        #expect(logText.contains("out.ndjson: No space left on device; the input is held back"), "the file sink waited")
        #expect(logText.contains("the disk is full; retrying a transaction"), "the sqlite sink waited")
        let expected = lines.joined(separator: "\n") + "\n"
        #expect(try String(contentsOfFile: "\(directory)/out-saved.ndjson", encoding: .utf8) == expected)
        #expect(try String(contentsOfFile: "\(directory)/buffered.ndjson", encoding: .utf8) == expected)
        let rows = try DatabaseQueue(path: "\(directory)/events-saved.db").read { try String.fetchAll($0, sql: "SELECT raw FROM events ORDER BY rowid") }
        #expect(rows == lines)
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test("stopped while the disk is full, the file sink gives up: exit 1 with the reason, nothing acknowledged, so the checkpoint stays at the start",
          .enabled(if: Self.canMountTmpfs, "needs unshare -Urm (user namespaces) to mount a tmpfs"))
    func stopWhileFull() throws {
        let directory = NSTemporaryDirectory() + "switchyard-diskfull-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/disk", withIntermediateDirectories: true)
        try "{\"a\":1}\n{\"a\":2}\n".write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        try """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(directory)/in.ndjson, follow: true }
            sinks:
              out: { type: file, inputs: [in], path: \(directory)/disk/out.ndjson }
            """.write(toFile: "\(directory)/p.yaml", atomically: true, encoding: .utf8)
        let log = "\(directory)/log"
        // Filled to the last byte; SIGTERM once the sink says it waits (at most 60 s).
        let script = """
            mount -t tmpfs -o size=1m tmpfs '\(directory)/disk' || exit 99
            head -c 2000000 /dev/zero > '\(directory)/disk/filler' 2> /dev/null
            '\(SwitchyardProcess.binary)' run '\(directory)/p.yaml' 2> '\(log)' &
            pid=$!
            for _ in $(seq 1200); do
              grep -q 'out.ndjson: No space left on device; the input is held back' '\(log)' && break
              sleep 0.05
            done
            kill -TERM $pid
            wait $pid
            """
        let child = try SwitchyardProcess(["-Urm", "sh", "-c", script], executable: "/usr/bin/unshare")
        child.closeInput()
        let (status, _, _) = child.finish()
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(logText.contains("the input is held back"), "it waited first")
        #expect(status == 1, "\(logText)")
        #expect(logText.contains("stage failed: cannot write to \(directory)/disk/out.ndjson: No space left on device"))
        let checkpoint = FileManager.default.contents(atPath: "\(directory)/state/in/checkpoint.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        #expect((checkpoint?["offset"] as? Int ?? 0) == 0, "nothing acknowledged: a restart reads both lines again")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
