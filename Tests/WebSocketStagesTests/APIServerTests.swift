import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import SwitchyardAPI
import SwitchyardKit
import SwitchyardTesting
import Testing

/// `/health`, `/ready` and `/metrics` over real HTTP on 127.0.0.1.
@Suite("HTTP API", .serialized)
struct APIServerTests {
    private func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("health, readiness and metrics follow the WebSocket source's connection")
    func healthReadyMetrics() async throws {
        let server = FakeHomeAssistant()
        let collector = "api-\(UUID())"
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await server.start(in: &group)
            server.setFaults { $0.rejectToken = true }
            let pipeline = try WebSocketSourceTests.harness.pipeline(
                WebSocketSourceTests.pipelineYAML(url: server.url, collector: collector))
            let run = Task { try await pipeline.run() }
            let port = AsyncStream<Int>.makeStream()
            group.addTask {
                try await APIServer(pipeline: pipeline, configuration: APIConfiguration(host: "127.0.0.1", port: 0),
                                    logger: .init(label: "api")).run { port.continuation.yield($0) }
            }
            var ports = port.stream.makeAsyncIterator()
            let base = "http://127.0.0.1:\(await ports.next()!)"

            // Refused token: not ready, degraded, with the error in /health.
            #expect(await WebSocketSourceTests.eventually { WebSocketSourceTests.details(pipeline)["last_error"] != .null })
            var ready = try await get(base + "/ready")
            #expect(ready.status == 503)
            var health = try await get(base + "/health")
            #expect(health.status == 200)
            var body = try JSONParser().parse(health.body)
            #expect(body["status"] == "degraded")
            #expect(body["stages"]?["home"]?["state"] != nil)

            // Accepted: ready, healthy, streaming, with every field the issue names.
            server.setFaults { $0.rejectToken = false }
            #expect(await WebSocketSourceTests.eventually { pipeline.healthReport().ready })
            try await server.sendEvents(3)
            #expect(await WebSocketSourceTests.eventually { WebSocketSourceTests.harness.collector.events(collector).count == 3 })
            ready = try await get(base + "/ready")
            #expect(ready.status == 200)
            health = try await get(base + "/health")
            body = try JSONParser().parse(health.body)
            #expect(body["status"] == "healthy")
            let home = body["stages"]?["home"]
            for field in ["state", "connected", "subscribed", "listeners", "connection_generation", "events_session",
                          "events_total", "events_per_minute", "last_event_at", "connection_attempts",
                          "successful_connections", "failed_connections", "reconnects", "dropped_events", "last_error"] {
                #expect(home?[field] != nil, "/health lacks \(field)")
            }
            #expect(home?["state"] == "streaming")
            #expect(home?["listeners"] == 1)
            #expect(body["stages"]?["out"]?["events_in"] == 3)
            #expect(body["uptime_seconds"] != nil)

            let metrics = try await get(base + "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("# TYPE switchyard_events_received_total counter"))
            #expect(metrics.body.contains(#"switchyard_events_received_total{kind="sink",stage="out",type="collect"} 3"#))
            #expect(metrics.body.contains(#"switchyard_websocket_listeners{kind="source",stage="home",type="websocket"} 1"#))
            #expect(metrics.body.contains(#"switchyard_websocket_connection_state{kind="source",stage="home",state="streaming",type="websocket"} 1"#))
            #expect(metrics.body.contains(#"switchyard_buffer_events{kind="sink",stage="out",type="collect"} 0"#))
            #expect(metrics.body.contains("switchyard_websocket_reconnects_total"))
            #expect(!metrics.body.contains("good-token") && !health.body.contains("good-token"))
            let parsed = try Self.parsePrometheus(metrics.body)
            #expect(parsed.hasPrefix("families "), "prometheus_client could not parse /metrics: \(parsed)")
            #expect(parsed.hasSuffix("untyped:  repeated: "), "a metric's samples must come together: \(parsed)")

            pipeline.stop()
            try await run.value
            group.cancelAll()
        }
    }

    /// Parses a `/metrics` body with Python's `prometheus_client` (a real text-format parser):
    /// "families N untyped: NAMES repeated: NAMES": samples cut off from their family show up as
    /// families without a type, or as a family seen twice.
    static func parsePrometheus(_ body: String) throws -> String {
        let file = NSTemporaryDirectory() + "metrics-\(UUID().uuidString).txt"
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
            names = [family.name for family in families]
            untyped = sorted(family.name for family in families if family.type == "unknown")
            print("families", len(names), "untyped:", ",".join(untyped), "repeated:",
                  ",".join(sorted({n for n in names if names.count(n) > 1})), end="")
            """, file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}
