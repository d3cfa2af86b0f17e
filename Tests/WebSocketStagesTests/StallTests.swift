import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

/// A server that stalls in each phase of a connection: the source gives up at the phase's
/// deadline (closing its socket), retries with never two connections open, and a stop ends
/// it promptly whatever the phase.
@Suite("websocket source: no stall in any phase", .serialized)
struct StallTests {
    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Stops `pipeline` and returns how long `run` took to return.
    private func stop(_ pipeline: Pipeline, _ run: Task<Void, any Error>) async throws -> Double {
        let started = ContinuousClock.now
        pipeline.stop()
        try await run.value
        return seconds(ContinuousClock.now - started)
    }

    @Test("HTTP upgrade never answered: timed out at connect_timeout by closing the socket; retried; stop is prompt")
    func upgradeStall() async throws {
        let listener = StallingListener()
        defer { listener.stop() }
        let collector = "ws-\(UUID())"
        let pipeline = try WebSocketSourceTests.harness.pipeline(WebSocketSourceTests.pipelineYAML(
            url: "ws://127.0.0.1:\(listener.port)/api/websocket", collector: collector))
        let run = Task { try await pipeline.run() }
        #expect(await WebSocketSourceTests.eventually(15) { listener.snapshot.accepted >= 3 })
        let record = listener.snapshot
        #expect(record.maxOpen == 1, "never two connections open")
        #expect(record.closedByClient >= 2, "each timed-out attempt closed its socket")
        for (accepted, closed) in zip(record.acceptedAt, record.closedAt) {
            let waited = seconds(closed - accepted)
            // The deadline is 1 s; the upper bound leaves room for a loaded test machine.
            #expect(waited >= 0.9 && waited < 2.5, "closed at connect_timeout (1s): \(waited)s")
        }
        let details = WebSocketSourceTests.details(pipeline)
        #expect(details["last_error"]?.stringValue?.contains("timeout: connecting") == true)
        #expect(details["connected"] == false)
        let stopping = try await stop(pipeline, run)
        #expect(stopping < 1.5, "stopped in \(stopping)s while connecting (goal: 1 s)")
        #expect(await WebSocketSourceTests.eventually { listener.snapshot.open == 0 })
    }

    @Test("each conversation phase that stalls times out at auth_timeout; stop is prompt in each", arguments: [
        FakeHomeAssistant.Stall.greeting, .authReply, .commandReply,
    ])
    func conversationStall(_ phase: FakeHomeAssistant.Stall) async throws {
        let server = FakeHomeAssistant()
        server.setFaults { $0.stallAt = phase }
        let collector = "ws-\(UUID())"
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            let pipeline = try WebSocketSourceTests.harness.pipeline(
                WebSocketSourceTests.pipelineYAML(url: server.url, collector: collector))
            let run = Task { try await pipeline.run() }
            #expect(await WebSocketSourceTests.eventually(15) { server.snapshot.connections >= 2 })
            let error = WebSocketSourceTests.details(pipeline)["last_error"]?.stringValue ?? ""
            #expect(error.contains("timeout"), "\(phase): \(error)")
            #expect(server.snapshot.maxOpenConnections == 1, "never two connections open")
            #expect(WebSocketSourceTests.details(pipeline)["max_listeners"] == 1)
            let stopping = try await stop(pipeline, run)
            #expect(stopping < 1.5, "stopped in \(stopping)s during \(phase) (goal: 1 s)")
            group.cancelAll()
        }
    }
}
