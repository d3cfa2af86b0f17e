import Foundation
import Testing

/// What a pipeline holds must not grow with how long it has run.
@Suite("long runs: memory stays flat", .serialized)
struct LongRunTests {
    @Test("the http sink frees each request once answered: 8,000 one-event requests grow RSS by less than 60 MB (about 21 KB a request was kept before)")
    func httpSinkRequestsAreFreed() async throws {
        let growth = try await offPool { try Self.rssGrowth() }
        print("http sink: RSS after 500 requests \(growth.early / 1024) MB, after 8,500 \(growth.late / 1024) MB")
        #expect(growth.late - growth.early < 60 * 1024, "RSS grew from \(growth.early) KB to \(growth.late) KB")
    }

    /// Resident memory (KB) of the sender after 500 and after 8,500 delivered requests.
    private static func rssGrowth() throws -> (early: Int, late: Int) {
        let directory = NSTemporaryDirectory() + "switchyard-long-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = Int.random(in: 40000...49999)
        let received = "\(directory)/received.ndjson"
        let receiver = try PythonReceiver.start(port: port, file: received, directory: directory)
        defer {
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }
        let pipeline = "\(directory)/p.yaml"
        try """
            sources:
              in: { type: stdin }
            sinks:
              out:
                type: http
                inputs: [in]
                uri: http://127.0.0.1:\(port)/ingest
                batch: { max_events: 1 }
                retry: { initial_backoff: 50ms, max_backoff: 200ms }
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let sender = try SwitchyardProcess(["run", pipeline])
        func send(_ range: Range<Int>) {
            sender.write(range.map { "{\"id\":\($0)}\n" }.joined())
        }
        func deliveredLines() -> Int {
            (FileManager.default.contents(atPath: received)?.filter { $0 == 0x0A }.count) ?? 0
        }
        send(0..<500)
        #expect(waitUntil(60) { deliveredLines() >= 500 }, "the first 500 events arrive")
        let early = residentKB(sender.processIdentifier)
        send(500..<8500)
        #expect(waitUntil(120) { deliveredLines() >= 8500 }, "all 8,500 events arrive")
        let late = residentKB(sender.processIdentifier)
        sender.closeInput()
        let result = sender.finish()
        #expect(result.status == 0, "\(result.stderr)")
        return (early, late)
    }

    /// VmRSS of `pid`, in KB.
    private static func residentKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
