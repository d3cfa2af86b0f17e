import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

/// How the source waits between attempts (by failure class), what it reports, and the
/// state resync after a gap.
@Suite("websocket source: reconnect classes, errors, resync", .serialized)
struct ReconnectTests {
    /// A pipeline with a long exponential backoff, so that only the unreachable cadence can explain a quick return.
    private static func yaml(url: String, collector: String, extra: String = "") -> String {
        """
        sources:
          home:
            type: websocket
            url: \(url)
            access_token: good-token
            event_types: [state_changed]
            connect_timeout: 1s
            auth_timeout: 1s
            reconnect: { initial_delay: 20s, max_delay: 60s, multiplier: 2, jitter: 0.1 }
        \(extra)
        sinks:
          out: { type: collect, inputs: [home], name: \(collector) }
        """
    }

    @Test("refused while the server is down: retried about every second, subscribed within about a second of its return")
    func backSoonAfterOutage() async throws {
        let port = StallingListener.freePort()
        let collector = "ws-\(UUID())"
        let pipeline = try WebSocketSourceTests.harness.pipeline(Self.yaml(url: "ws://127.0.0.1:\(port)/api/websocket", collector: collector))
        let run = Task { try await pipeline.run() }
        // Down for a few attempts: each is refused, and the next comes about a second later, not 20 s.
        #expect(await WebSocketSourceTests.eventually(10) { WebSocketSourceTests.integer(WebSocketSourceTests.details(pipeline)["connection_attempts"]) >= 3 })
        let details = WebSocketSourceTests.details(pipeline)
        #expect(details["last_error"]?.stringValue?.contains("Connection refused") == true)
        #expect(details["last_error_at"]?.stringValue != nil)
        let server = FakeHomeAssistant(port: port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            let back = ContinuousClock.now
            #expect(await WebSocketSourceTests.eventually(10) { server.isSubscribed(["state_changed"]) })
            let waited = ContinuousClock.now - back
            print("subscribed \(waited) after the server came back")
            // The backoff alone would wait 20 s; the unreachable cadence is 1 s ± 20 % (about 1 s measured on
            // a quiet machine). The bound leaves room for a loaded test machine.
            #expect(waited < .seconds(5), "back on the unreachable cadence, not the 20 s backoff; was \(waited)")
            #expect(server.snapshot.userAgents.allSatisfy { $0.hasPrefix("switchyard/") }, "\(server.snapshot.userAgents)")
            pipeline.stop()
            try await run.value
            group.cancelAll()
        }
    }

    @Test("an upgrade answered 403 says so (with the ban hint) and waits the longest delay")
    func forbiddenUpgrade() async throws {
        let server = StallingListener(answer: "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        defer { server.stop() }
        let collector = "ws-\(UUID())"
        let pipeline = try WebSocketSourceTests.harness.pipeline(Self.yaml(url: "ws://127.0.0.1:\(server.port)/api/websocket", collector: collector))
        let run = Task { try await pipeline.run() }
        #expect(await WebSocketSourceTests.eventually { WebSocketSourceTests.details(pipeline)["last_error"]?.stringValue != nil })
        let error = WebSocketSourceTests.details(pipeline)["last_error"]?.stringValue ?? ""
        #expect(error.contains("HTTP 403") && error.contains("banned"), "\(error)")
        let attempts = server.snapshot.accepted
        try await Task.sleep(for: .milliseconds(1500))
        #expect(server.snapshot.accepted == attempts, "waits max_delay (60 s) after a 403, not the unreachable cadence")
        #expect(WebSocketSourceTests.details(pipeline)["state"] == "backing_off")
        pipeline.stop()
        try await run.value
    }

    @Test("resync: states emits one snapshot event per entity after every (re)subscription")
    func resyncStates() async throws {
        let collector = "ws-\(UUID())"
        let server = FakeHomeAssistant()
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            let pipeline = try WebSocketSourceTests.harness.pipeline(WebSocketSourceTests.pipelineYAML(
                url: server.url, collector: collector, extra: "    resync: states"))
            let run = Task { try await pipeline.run() }
            func snapshots() -> [(String, String)] {
                WebSocketSourceTests.harness.collector.events(collector).filter { $0.value["event_type"] == "switchyard_state_snapshot" }.map {
                    ($0.value["data"]?["entity_id"]?.stringValue ?? "", $0.value["data"]?["new_state"]?["state"]?.stringValue ?? "")
                }
            }
            #expect(await WebSocketSourceTests.eventually { snapshots().count == 2 })
            #expect(snapshots().map(\.0).sorted() == ["light.kitchen", "sensor.door"])
            // The light changes while the source is away; after reconnecting, the snapshot shows it.
            server.setState("light.kitchen", "on")
            await server.dropConnections()
            #expect(await WebSocketSourceTests.eventually { snapshots().count == 4 })
            #expect(snapshots().suffix(2).contains { $0 == ("light.kitchen", "on") })
            #expect(server.snapshot.getStatesCommands == 2)
            pipeline.stop()
            try await run.value
            group.cancelAll()
        }
    }
}
