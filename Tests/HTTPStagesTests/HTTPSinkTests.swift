import CoreStages
import Foundation
import HTTPStages
import SwitchyardKit
import SwitchyardTesting
import Testing

/// The HTTP sink against a real receiver on 127.0.0.1 that fails on demand.
@Suite("http sink", .serialized)
struct HTTPSinkTests {
    static var harness: PipelineHarness {
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerHTTPStages()
        return PipelineHarness(registry: registry)
    }

    static func pipeline(port: Int, count: Int, sinkOptions: String) -> String {
        """
        sources:
          src: { type: memory, events: [{ kind: test }], repeat: \(count), batch_size: 10 }
        sinks:
          out:
            type: http
            inputs: [src]
            uri: http://127.0.0.1:\(port)/ingest
        \(sinkOptions)
        """
    }

    /// The `n` of every line the receiver accepted.
    static func numbers(_ receiver: TestReceiver) -> [Int] {
        receiver.acceptedLines.compactMap { line in
            guard case .int(let n)? = (try? JSONParser().parse(line))?["n"] else { return nil }
            return Int(n)
        }
    }

    @Test("batches of NDJSON with headers, bearer auth and gzip; order kept with concurrency 1")
    func delivers() async throws {
        let receiver = TestReceiver()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 250, sinkOptions: """
                    batch: { max_events: 100 }
                    request: { concurrency: 1 }
                    headers: { X-Source: switchyard }
                    auth: { strategy: bearer, token: s3cret }
                    compression: gzip
                """))
            #expect(Self.numbers(receiver) == Array(1...250))
            #expect(receiver.snapshot.requests >= 3)
            let headers = receiver.snapshot.headers[0]
            #expect(headers["x-source"] == "switchyard")
            #expect(headers["authorization"] == "Bearer s3cret")
            #expect(headers["content-type"] == "application/x-ndjson")
            #expect(metrics["out"]?.eventsOut == 250)
            group.cancelAll()
        }
    }

    @Test("500s, 429 with Retry-After and slow answers are retried; every event arrives at least once")
    func retries() async throws {
        let receiver = TestReceiver()
        receiver.plan([.status(500), .status(503), .status(429, retryAfter: "1"), .slow(.seconds(3)), .status(502)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let started = ContinuousClock.now
            let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 300, sinkOptions: """
                    batch: { max_events: 100 }
                    request: { concurrency: 2, timeout: 1s }
                    retry: { initial_backoff: 50ms, max_backoff: 200ms }
                """))
            #expect(Set(Self.numbers(receiver)).isSuperset(of: Set(1...300)))
            #expect(metrics["out"]?.eventsOut == 300)
            #expect(metrics["out"]?.dropped == 0)
            #expect(ContinuousClock.now - started >= .seconds(1), "Retry-After: 1 was honoured")
            group.cancelAll()
        }
    }

    @Test("a hostile Retry-After (a date in the year 9999, more seconds than an Int holds) waits no longer than max_backoff",
          .timeLimit(.minutes(1)))
    func hostileRetryAfterIsCapped() async throws {
        let receiver = TestReceiver()
        receiver.plan([.status(503, retryAfter: "Fri, 31 Dec 9999 23:59:59 GMT"),
                       .status(429, retryAfter: "99999999999999999999999")])
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 50, sinkOptions: """
                    request: { concurrency: 1 }
                    retry: { initial_backoff: 50ms, max_backoff: 200ms }
                """))
            #expect(Self.numbers(receiver) == Array(1...50))
            #expect(metrics["out"]?.eventsOut == 50)
            group.cancelAll()
        }
    }

    /// The dead-letter lines are written from the request body when it is plain NDJSON (the
    /// events are let go once it is written), from the events otherwise: the same lines.
    @Test("a non-retryable 4xx sends the batch to the dead-letter file, one event per line, whatever the body's encoding",
          arguments: ["encoding: ndjson", "encoding: ndjson\n    compression: gzip", "encoding: json_array"])
    func deadLetter(encoding: String) async throws {
        let receiver = TestReceiver()
        receiver.plan([.status(400)])
        let directory = NSTemporaryDirectory() + "switchyard-http-\(UUID().uuidString)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 20, sinkOptions: """
                    batch: { max_events: 10 }
                    request: { concurrency: 1 }
                    dead_letter: { path: \(directory)/dead.ndjson }
                    \(encoding)
                """))
            let dead = try String(contentsOfFile: "\(directory)/dead.ndjson", encoding: .utf8)
            #expect(dead.hasSuffix("\n"))
            let numbers = try dead.split(separator: "\n").map { line -> Int64? in
                guard case .int(let n)? = try JSONParser().parse(String(line))["n"] else { return nil }
                return n
            }
            #expect(numbers == Array(1...10), "\(dead)")
            if encoding == "encoding: ndjson" { #expect(Self.numbers(receiver) == Array(11...20)) }
            #expect(metrics["out"]?.eventsOut == 10)
            #expect(metrics["out"]?.errors == 1)
            #expect(metrics["out"]?.dropped == 0, "dead-lettered events are kept, not dropped")
            group.cancelAll()
        }
    }

    @Test("the status decides: a 2xx with a large body is delivered once, a 4xx with one is dead-lettered")
    func largeResponseBodies() async throws {
        let receiver = TestReceiver()
        receiver.plan([.large(status: 200, bytes: 3 << 20), .large(status: 200, bytes: 100_000), .large(status: 400, bytes: 100_000)])
        let directory = NSTemporaryDirectory() + "switchyard-http-\(UUID().uuidString)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 40, sinkOptions: """
                    batch: { max_events: 10 }
                    request: { concurrency: 1 }
                    dead_letter: { path: \(directory)/dead.ndjson }
                """))
            let dead = try String(contentsOfFile: "\(directory)/dead.ndjson", encoding: .utf8).split(separator: "\n")
            #expect(dead.count == 10)
            #expect(Self.numbers(receiver) == Array(1...20) + Array(31...40), "each batch the server took arrived once")
            #expect(receiver.snapshot.requests == 4)
            #expect(metrics["out"]?.eventsOut == 30)
            #expect(metrics["out"]?.errors == 1)
            group.cancelAll()
        }
    }

    @Test("a redirect is followed with the method and body kept (a 301 or 302 to a POST made a GET without the body, counted delivered)")
    func redirectsKeepTheBody() async throws {
        let receiver = TestReceiver()
        receiver.plan([.redirect(301), .redirect(302), .redirect(307), .redirect(308), .redirect(303)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 50, sinkOptions: """
                    batch: { max_events: 10 }
                    request: { concurrency: 1 }
                """))
            #expect(Self.numbers(receiver) == Array(1...50), "every batch taken once, at the redirect's target (or at a 303)")
            #expect(metrics["out"]?.eventsOut == 50)
            #expect(metrics["out"]?.errors == 0)
            group.cancelAll()
        }
    }

    @Test("connection refused is retried until the receiver comes up")
    func connectionRefused() async throws {
        let receiver = TestReceiver()
        // Find a free port, then leave it closed for a while.
        let probe = TestReceiver()
        let port = try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await probe.start(in: &group)
            group.cancelAll()
            return port
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let pipeline = try Self.harness.pipeline(Self.pipeline(port: port, count: 50, sinkOptions: """
                    retry: { initial_backoff: 100ms, max_backoff: 200ms }
                """))
            let run = Task { try await pipeline.run() }
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.snapshot.requests == 0)
            await receiver.start(in: &group, port: port)
            try await run.value
            #expect(Self.numbers(receiver).sorted() == Array(1...50))
            group.cancelAll()
        }
    }

    @Test("connection refused fails each attempt at once: retries follow the sink's schedule and max_duration holds")
    func refusedAttemptsFollowTheSchedule() async throws {
        let port = HTTPServerSourceTests.freePort()
        let started = ContinuousClock.now
        let metrics = try await Self.harness.run(Self.pipeline(port: port, count: 1, sinkOptions: """
                retry: { initial_backoff: 100ms, max_backoff: 200ms, max_duration: 1s }
            """))
        #expect(ContinuousClock.now - started < .seconds(5), "not held by the client's 10 s connect timeout")
        #expect(metrics["out"]?.dropped == 1, "given up after max_duration, counted")
    }

    @Test("connections reset without an answer are retried; every event arrives")
    func connectionResets() async throws {
        let port = HTTPServerSourceTests.freePort()
        let resetter = ResettingListener(port: port)
        let accepted = resetter.start()
        let receiver = TestReceiver()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let pipeline = try Self.harness.pipeline(Self.pipeline(port: port, count: 40, sinkOptions: """
                    batch: { max_events: 20 }
                    retry: { initial_backoff: 100ms, max_backoff: 200ms }
                """))
            let run = Task { try await pipeline.run() }
            for _ in 0..<200 where accepted.value < 2 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(accepted.value >= 2, "the sink's requests reached the resetting listener")
            resetter.stop()
            await receiver.start(in: &group, port: port)
            try await run.value
            #expect(Self.numbers(receiver).sorted() == Array(1...40))
            group.cancelAll()
        }
    }

    @Test("on stop, a batch that keeps failing goes to the dead-letter file after request.timeout")
    func drainDeadline() async throws {
        let receiver = TestReceiver()
        receiver.plan(Array(repeating: .status(503), count: 1000))
        let directory = NSTemporaryDirectory() + "switchyard-http-\(UUID().uuidString)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            let pipeline = try Self.harness.pipeline(Self.pipeline(port: port, count: 30, sinkOptions: """
                    batch: { max_events: 10 }
                    request: { concurrency: 1, timeout: 1s }
                    retry: { initial_backoff: 100ms, max_backoff: 200ms }
                    dead_letter: { path: \(directory)/dead.ndjson }
                """))
            let run = Task { try await pipeline.run() }
            // The server keeps failing; without a stop the sink would retry forever.
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.snapshot.requests >= 2)
            pipeline.stop()
            try await run.value
            let metrics = pipeline.metrics
            let dead = try String(contentsOfFile: "\(directory)/dead.ndjson", encoding: .utf8).split(separator: "\n")
            #expect(dead.count == 30, "every undelivered event is kept")
            #expect(metrics["out"]?.eventsOut == 0)
            #expect(metrics["out"]?.dropped == 0)
            group.cancelAll()
        }
    }

    @Test("json_array and json encodings")
    func encodings() async throws {
        let receiver = TestReceiver()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let port = await receiver.start(in: &group)
            try await Self.harness.run(Self.pipeline(port: port, count: 3, sinkOptions: "    encoding: json_array\n    request: { concurrency: 1 }"))
            #expect(receiver.snapshot.accepted.first?.hasPrefix("[{") == true)
            let requestsBefore = receiver.snapshot.requests
            try await Self.harness.run(Self.pipeline(port: port, count: 3, sinkOptions: "    encoding: json"))
            #expect(receiver.snapshot.requests - requestsBefore == 3, "one event per request")
            #expect(receiver.snapshot.headers.last?["content-type"] == "application/json")
            group.cancelAll()
        }
    }
}
