import Foundation
import Logging
import SwitchyardAPI
import SwitchyardKit
import SwitchyardTesting
import Testing
import WebSocketStages

/// The WebSocket source against a real server on 127.0.0.1 that speaks Home Assistant's protocol.
@Suite("websocket source", .serialized)
struct WebSocketSourceTests {
    static let harness: PipelineHarness = {
        var registry = StageRegistry()
        registry.registerWebSocketStages()
        return PipelineHarness(registry: registry)
    }()

    /// A pipeline: websocket source -> collect sink, with quick timings for tests.
    static func pipelineYAML(url: String, collector: String, token: String = "good-token", extra: String = "",
                             sinkExtra: String = "") -> String {
        """
        sources:
          home:
            type: websocket
            url: \(url)
            access_token: \(token)
            event_types: [state_changed, call_service]
            connect_timeout: 1s
            auth_timeout: 1s
            heartbeat: { interval: 200ms, timeout: 300ms }
            reconnect: { initial_delay: 20ms, max_delay: 200ms, multiplier: 2, jitter: 0.1 }
        \(extra)
        sinks:
          out: { type: collect, inputs: [home], name: \(collector) \(sinkExtra) }
        """
    }

    /// Runs `body` with a fake server and a running pipeline; stops both afterwards.
    static func withPipeline(server: FakeHomeAssistant = FakeHomeAssistant(), collector: String,
                             token: String = "good-token", extra: String = "", sinkExtra: String = "",
                             _ body: @escaping @Sendable (FakeHomeAssistant, Pipeline) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            let pipeline = try harness.pipeline(pipelineYAML(url: server.url, collector: collector, token: token,
                                                             extra: extra, sinkExtra: sinkExtra))
            let run = Task { try await pipeline.run() }
            do {
                try await body(server, pipeline)
            } catch {
                pipeline.stop()
                _ = try? await run.value
                group.cancelAll()
                throw error
            }
            pipeline.stop()
            try await run.value
            group.cancelAll()
        }
    }

    static func details(_ pipeline: Pipeline) -> JSONObject {
        pipeline.healthReport().stages.first { $0.id == "home" }!.details
    }

    /// Polls `condition` every 10 ms for at most `seconds`; true once it holds.
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    static func integer(_ value: JSONValue?) -> Int {
        if case .int(let number)? = value { return Int(number) }
        return 0
    }

    static func sequences(_ collector: String) -> [Int] {
        WebSocketSourceTests.harness.collector.events(collector).compactMap { event -> Int? in
            if case .int(let seq)? = event.value["data"]?["seq"] { return Int(seq) }
            return nil
        }
    }

    @Test("auth, one subscription per event type, events arrive as Home Assistant's event objects")
    func subscribesOnceAndStreams() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector) { server, pipeline in
            #expect(await Self.eventually { server.isSubscribed(["state_changed", "call_service"]) })
            #expect(await Self.eventually { pipeline.healthReport().ready })
            let sent = try await server.sendEvents(25)
            #expect(await Self.eventually { WebSocketSourceTests.harness.collector.events(collector).count == 25 })
            #expect(Self.sequences(collector) == sent)
            let event = WebSocketSourceTests.harness.collector.events(collector)[0].value
            #expect(event.objectValue?.keys == ["event_type", "data", "origin", "time_fired", "context"])
            let details = Self.details(pipeline)
            #expect(details["state"] == "streaming")
            #expect(details["connected"] == true)
            #expect(details["subscribed"] == true)
            #expect(details["listeners"] == 1)
            #expect(details["subscriptions"] == 2)
            #expect(details["events_total"] == 25)
            #expect(details["events_per_minute"] == 25)
            #expect(details["connection_generation"] == 1)
            #expect(server.snapshot.maxSubscriptionsPerType == 1)
            #expect(server.snapshot.subscribeCommands == 2)
            #expect(server.snapshot.commandsBeforeAuth == 0)
        }
    }

    @Test("coalesced frames (JSON arrays of messages, larger than 16 KB) are split into events")
    func coalescedFrames() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector) { server, _ in
            server.setFaults { $0.coalesce = true }
            #expect(await Self.eventually { server.isSubscribed(["state_changed"]) })
            let sent = try await server.sendEvents(450)
            #expect(await Self.eventually { WebSocketSourceTests.harness.collector.events(collector).count == 450 })
            #expect(Self.sequences(collector) == sent)
        }
    }

    @Test("frames become events holding their bytes: spacing kept, binary frames read, strays ignored, non-JSON counted")
    func framesKeepTheirBytes() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector) { server, pipeline in
            #expect(await Self.eventually { server.isSubscribed(["state_changed"]) })
            let event = #"{ "event_type" : "state_changed", "data": {"seq": 1, "a": [1, {"b": "\u00e9"}]} }"#
            try await server.sendFrame { id in
                """
                [ {"type": "event", "id": \(id), "event": \(event)} ,
                  {"id": \(id + 1000), "type": "event", "event": {"data": {"seq": 99}}},
                  {"id": \(id), "type": "event", "event": [1, 2]},
                  {"id": \(id), "type": "event", "event": {"data": {"seq": 2}}, "type": "event"} ]
                """
            }
            try await server.sendFrame(binary: true) { id in #"{"id":\#(id),"type":"event","event":{"data":{"seq":3}}}"# }
            try await server.sendFrame { _ in "[{\"id\":1,\"type\":\"event\",\"event\":{" }
            try await server.sendFrame { id in #"{"id":\#(id),"type":"event","event":{"data":{"seq":4}}}"# }
            #expect(await Self.eventually { WebSocketSourceTests.harness.collector.events(collector).count == 4 })
            let events = WebSocketSourceTests.harness.collector.events(collector)
            #expect(Self.sequences(collector) == [1, 2, 3, 4])
            // The event is the frame's own text for it, not a re-encoding.
            #expect(events[0].rawJSON.map { String(decoding: $0, as: UTF8.self) } == event)
            #expect(events[0].value["data"]?["a"] == [1, ["b": "é"]])
            #expect(pipeline.metrics["home"]?.errors == 1)
        }
    }

    @Test("auth_invalid is an error, not hammered: the next attempt waits the longest delay")
    func authInvalid() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector, token: "wrong") { server, pipeline in
            #expect(await Self.eventually { Self.details(pipeline)["last_error"]?.stringValue?.hasPrefix("auth_invalid") == true })
            // With a 20 ms initial delay, 600 ms would allow many attempts; max_delay (200 ms) allows about 3.
            try await Task.sleep(for: .milliseconds(600))
            #expect(server.snapshot.connections <= 5)
            #expect(pipeline.healthReport().ready == false)
            #expect(pipeline.healthReport().status == .degraded)
            #expect(!"\(Self.details(pipeline))".contains("wrong"), "the token never appears in health")
        }
    }

    @Test("a failed subscribe result is not counted as subscribed, and the source reconnects")
    func failedSubscribe() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector) { server, pipeline in
            server.setFaults { $0.failSubscribe = true }
            await server.dropConnections()
            #expect(await Self.eventually { Self.details(pipeline)["last_error"]?.stringValue?.contains("Injected failure") == true })
            #expect(Self.details(pipeline)["subscribed"] != true)
            #expect(pipeline.healthReport().ready == false)
            server.setFaults { $0.failSubscribe = false }
            #expect(await Self.eventually { pipeline.healthReport().ready })
        }
    }

    @Test("a silent server (no pong) is detected and the source reconnects")
    func stalledServer() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector) { server, pipeline in
            #expect(await Self.eventually { pipeline.healthReport().ready })
            server.setFaults { $0.stall = true }
            #expect(await Self.eventually { Self.details(pipeline)["last_error"]?.stringValue?.contains("pong") == true })
            server.setFaults { $0.stall = false }
            #expect(await Self.eventually { pipeline.healthReport().ready && server.snapshot.connections >= 2 })
            #expect(server.snapshot.maxOpenConnections == 1 || server.snapshot.maxOpenConnections == 2,
                    "a stalled socket may linger server-side until closed; the client side never has two")
            #expect(Self.details(pipeline)["max_listeners"] == 1)
        }
    }

    @Test("a slow accept past connect_timeout times out and is retried")
    func slowAccept() async throws {
        let collector = "ws-\(UUID())"
        let server = FakeHomeAssistant()
        server.setFaults { $0.acceptDelay = .seconds(3) }
        try await Self.withPipeline(server: server, collector: collector) { server, pipeline in
            #expect(await Self.eventually { Self.details(pipeline)["last_error"]?.stringValue?.contains("timeout: connecting") == true })
            server.setFaults { $0.acceptDelay = .zero }
            #expect(await Self.eventually(15) { pipeline.healthReport().ready })
        }
    }

    @Test("a burst larger than the buffers: with drop_oldest the reader keeps draining and counts drops")
    func burstWithDropOldest() async throws {
        let collector = "ws-\(UUID())"
        let gate = "gate-\(UUID())"
        try await Self.withPipeline(collector: collector, extra: "    when_full: drop_oldest\n    max_pending_events: 100",
                                    sinkExtra: ", gate: \(gate), buffer: { max_events: 50 }") { server, pipeline in
            #expect(await Self.eventually { pipeline.healthReport().ready })
            let sent = try await server.sendEvents(2000)
            // The reader read everything although the sink takes nothing: the socket was drained.
            #expect(await Self.eventually { Self.details(pipeline)["events_total"] == 2000 })
            WebSocketSourceTests.harness.gates.open(gate)
            let dropped = { Self.integer(Self.details(pipeline)["dropped_events"]) }
            #expect(await Self.eventually { WebSocketSourceTests.harness.collector.events(collector).count + dropped() == 2000 })
            #expect(dropped() > 0)
            let received = Self.sequences(collector)
            #expect(received == received.sorted(), "order kept")
            #expect(Set(received).isSubset(of: Set(sent)))
            #expect(pipeline.metrics["home"]!.dropped == dropped(), "drops are in the stage's counters too")
        }
    }

    @Test("50 forced reconnects: one connection and one subscription per type at a time, no event lost or duplicated")
    func fiftyReconnects() async throws {
        let collector = "ws-\(UUID())"
        try await Self.withPipeline(collector: collector) { server, pipeline in
            var sent: [Int] = []
            for round in 1...50 {
                #expect(await Self.eventually { server.isSubscribed(["state_changed", "call_service"]) && pipeline.healthReport().ready },
                        "round \(round): not subscribed again")
                sent += try await server.sendEvents(20)
                let expected = sent.count
                #expect(await Self.eventually { WebSocketSourceTests.harness.collector.events(collector).count >= expected }, "round \(round)")
                await server.dropConnections()
                #expect(await Self.eventually { !server.isSubscribed(["state_changed"]) })
            }
            #expect(await Self.eventually {
                server.snapshot.connections >= 51 && server.isSubscribed(["state_changed", "call_service"])
                    && Self.details(pipeline)["connection_generation"] == 51 && pipeline.healthReport().ready
            }, "back after the last drop")
            let received = Self.sequences(collector)
            #expect(received.count == sent.count)
            #expect(Set(received).count == received.count, "no duplicates")
            #expect(received == sent, "every event sent while subscribed arrived, in order")
            let record = server.snapshot
            #expect(record.maxOpenConnections == 1)
            #expect(record.maxSubscriptionsPerType == 1)
            #expect(record.idReuse == 0)
            #expect(record.firstCommandIDs == [1], "command ids restart at 1 on every connection")
            #expect(record.commandsBeforeAuth == 0)
            #expect(record.connections >= 51)
            let details = Self.details(pipeline)
            #expect(details["max_listeners"] == 1)
            #expect(details["listeners"] == 1)
            #expect(Self.integer(details["reconnects"]) >= 50)
        }
    }

    @Test("on stop the socket is closed and nothing keeps running")
    func cleanStop() async throws {
        let collector = "ws-\(UUID())"
        let server = FakeHomeAssistant()
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            let pipeline = try Self.harness.pipeline(Self.pipelineYAML(url: server.url, collector: collector))
            let run = Task { try await pipeline.run() }
            #expect(await Self.eventually { pipeline.healthReport().ready })
            pipeline.stop()
            try await run.value
            #expect(await Self.eventually { server.snapshot.openConnections == 0 }, "the server saw the socket close")
            let details = Self.details(pipeline)
            #expect(details["state"] == "stopped")
            #expect(details["listeners"] == 0)
            #expect(details["connected"] == false)
            group.cancelAll()
        }
    }
}
