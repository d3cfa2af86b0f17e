import AsyncHTTPClient
import CompressNIO
import CoreStages
import Foundation
import HTTPStages
import NIOCore
import NIOHTTP1
import SwitchyardKit
import SwitchyardTesting
import Testing

/// The `http_server` source, spoken to over real HTTP.
@Suite("http_server source", .serialized)
struct HTTPServerSourceTests {
    static let harness: PipelineHarness = {
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerHTTPStages()
        return PipelineHarness(registry: registry)
    }()

    /// A port nobody listens on right now.
    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                _ = bind(descriptor, generic, length)
                _ = getsockname(descriptor, generic, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func post(_ port: Int, _ body: String, token: String? = nil, path: String = "/events") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    /// Starts a pipeline with an http_server source; waits until it answers.
    static func start(_ yaml: String, port: Int) async throws -> (Pipeline, Task<Void, any Error>) {
        let pipeline = try Self.harness.pipeline(yaml)
        let run = Task { try await pipeline.run() }
        for _ in 0..<200 {
            if (try? await post(port, "", path: "/probe")) != nil { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (pipeline, run)
    }

    @Test("200 once accepted; 400 with the line and reason, taking nothing of a bad body; 401; 413")
    func statusCodes() async throws {
        let port = Self.freePort()
        let out = "http-\(UUID())"
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest:
                type: http_server
                address: 127.0.0.1:\(port)
                auth: { token: letmein }
                max_body_bytes: 1KB
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out) }
            """, port: port)
        var (status, body) = try await Self.post(port, "{\"a\":1}\n{\"a\":2}\n", token: "letmein")
        #expect(status == 200)
        #expect(body == "accepted 2 events\n")
        (status, body) = try await Self.post(port, "{\"a\":3}\n{\"a\":4,}\n{\"a\":5}\n", token: "letmein")
        #expect(status == 400)
        #expect(body.hasPrefix("line 2: invalid JSON at byte 7"))
        (status, _) = try await Self.post(port, "{\"a\":6}\n", token: "wrong")
        #expect(status == 401)
        (status, _) = try await Self.post(port, "{\"a\":6}\n")
        #expect(status == 401)
        (status, _) = try await Self.post(port, "{\"pad\":\"" + String(repeating: "x", count: 2000) + "\"}\n", token: "letmein")
        #expect(status == 413)
        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).map { $0.value["a"] } == [1, 2], "nothing of the bad or refused bodies")
        #expect(pipeline.metrics["ingest"]?.errors == 1)
    }

    /// POSTs `body` with `Content-Encoding: encoding`; the status and the answer's text.
    static func post(_ port: Int, _ body: ByteBuffer, encoding: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/events")
        request.method = .POST
        request.body = .bytes(body)
        request.headers.add(name: "Content-Encoding", value: encoding)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test("gzip and deflate bodies are decompressed as they arrive, bounded by max_body_bytes once decompressed; corrupt, truncated or unknown encodings are refused")
    func compressedBodies() async throws {
        let port = Self.freePort()
        let out = "http-\(UUID())"
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), max_body_bytes: 1MB }
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out) }
            """, port: port)
        func lines(_ range: Range<Int>) -> ByteBuffer {
            ByteBuffer(string: range.map { #"{"n":\#($0),"pad":"\#(String(repeating: "p", count: 100))"}"# + "\n" }.joined())
        }
        func compressed(_ range: Range<Int>, _ algorithm: CompressionAlgorithm) throws -> ByteBuffer {
            var plain = lines(range)
            return try plain.compress(with: algorithm)
        }
        // 3,000 lines (350 KB decompressed, many pieces); zlib's deflate; two gzip members in a row.
        #expect(try await Self.post(port, try compressed(0..<3_000, .gzip()), encoding: "gzip") == (200, "accepted 3000 events\n"))
        #expect(try await Self.post(port, try compressed(3_000..<3_010, .zlib()), encoding: "deflate").0 == 200)
        var members = try compressed(3_010..<3_020, .gzip())
        var second = try compressed(3_020..<3_030, .gzip())
        members.writeBuffer(&second)
        #expect(try await Self.post(port, members, encoding: "x-gzip").0 == 200)

        // Nothing is taken from any of these.
        var truncated = try compressed(5_000..<5_100, .gzip())
        truncated.moveWriterIndex(to: truncated.writerIndex - 8)
        let cut = try await Self.post(port, truncated, encoding: "gzip")
        #expect(cut.0 == 400 && cut.1.contains("truncated"))
        let corrupt = try await Self.post(port, ByteBuffer(string: #"{"n":5000}"#), encoding: "gzip")
        #expect(corrupt.0 == 400 && corrupt.1.contains("gzip data is corrupt"))
        // 64 MB of zeros is 64 KB compressed: stopped once 1 MB came out.
        var zeros = ByteBuffer(repeating: 0, count: 64 << 20)
        let bomb = try await Self.post(port, try zeros.compress(with: .gzip()), encoding: "gzip")
        #expect(bomb == (413, "the body is larger than 1MB once decompressed\n"))
        #expect(try await Self.post(port, try compressed(5_000..<5_001, .gzip()), encoding: "br")
            == (415, "Content-Encoding br is not supported: send the body as is, or with gzip or deflate\n"))

        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).map { $0.value["n"] } == (0..<3_030).map { .int(Int64($0)) })
        #expect(pipeline.metrics["ingest"]?.errors == 3)
    }

    @Test("json decoding takes an object or an array of objects")
    func jsonDecoding() async throws {
        let port = Self.freePort()
        let out = "http-\(UUID())"
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), path: /in, decoding: json }
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out) }
            """, port: port)
        #expect(try await Self.post(port, #"{"a":1}"#, path: "/in").0 == 200)
        #expect(try await Self.post(port, #"[{"a":2},{"a":3}]"#, path: "/in").0 == 200)
        let refused = try await Self.post(port, #"[{"a":4}, 5]"#, path: "/in")
        #expect(refused.0 == 400)
        #expect(refused.1.contains("element 1 of the array is number, not an object"))
        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).map { $0.value["a"] } == [1, 2, 3])
    }

    @Test("503 while the pipeline is full: backpressure reaches the client")
    func backpressure() async throws {
        let port = Self.freePort()
        let (out, gate) = ("http-\(UUID())", "gate-\(UUID())")
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), acknowledgements: false }
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out), gate: \(gate), buffer: { max_events: 5 } }
            """, port: port)
        let five = String(repeating: "{\"a\":1}\n", count: 5)
        #expect(try await Self.post(port, five).0 == 200)
        let full = try await Self.post(port, five)
        #expect(full.0 == 503)
        #expect(full.1.contains("the pipeline is full"))
        Self.harness.gates.open(gate)
        var accepted = false
        for _ in 0..<100 where !accepted {
            accepted = try await Self.post(port, five).0 == 200
            if !accepted { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(accepted, "accepted again once the sink took events")
        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).count == 10)
    }

    @Test("acknowledgements: 200 only once the sink has the events; 500 when the sink could not deliver them")
    func acknowledgedAnswers() async throws {
        let port = Self.freePort()
        let receiver = TestReceiver()
        receiver.plan([.status(400)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            let receiverPort = await receiver.start(in: &group)
            let (pipeline, run) = try await Self.start("""
                sources:
                  ingest: { type: http_server, address: 127.0.0.1:\(port) }
                sinks:
                  out:
                    type: http
                    inputs: [ingest]
                    uri: http://127.0.0.1:\(receiverPort)/ingest
                    batch: { max_events: 1000, timeout: 10ms }
                """, port: port)
            let refused = try await Self.post(port, "{\"a\":1}\n{\"a\":2}\n")
            #expect(refused.0 == 500, "the receiver rejected the batch and there is no dead-letter file")
            #expect(refused.1.contains("could not write"))
            let accepted = try await Self.post(port, "{\"a\":3}\n")
            #expect(accepted.0 == 200)
            #expect(receiver.acceptedLines == ["{\"a\":3}"], "answered 200 only after the receiver had the event")
            pipeline.stop()
            try await run.value
            group.cancelAll()
        }
    }

    @Test("acknowledgements: never 200 for events a drop_newest buffer would drop")
    func neverOkForDroppedEvents() async throws {
        let port = Self.freePort()
        let (out, gate) = ("http-\(UUID())", "gate-\(UUID())")
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port) }
            sinks:
              out:
                type: collect
                inputs: [ingest]
                name: \(out)
                gate: \(gate)
                buffer: { max_events: 5, when_full: drop_newest }
            """, port: port)
        let first = Task { try await Self.post(port, String(repeating: "{\"a\":1}\n", count: 5)) }
        #expect(try await eventually { pipeline.metrics["out"].map { $0.eventsIn + 0 } == 0 && pipeline.metrics["ingest"]?.eventsOut == 5 })
        var statuses: [Int] = []
        for _ in 0..<5 { statuses.append(try await Self.post(port, "{\"a\":2}\n{\"a\":3}\n").0) }
        #expect(statuses.allSatisfy { $0 == 503 }, "\(statuses)")
        Self.harness.gates.open(gate)
        #expect(try await first.value.0 == 200)
        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).count == 5)
        #expect(pipeline.metrics["out"]?.dropped == 0, "nothing answered 200 was dropped")
    }

    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// Opens a TCP connection to 127.0.0.1:`port` and sends `text`; returns the descriptor.
    private static func rawConnection(_ port: Int, sending text: String) -> Int32 {
        let descriptor = LoopbackSocket.connect(port) ?? -1
        _ = text.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return descriptor
    }

    @Test("2,000 slow clients (slowloris) do not starve a normal one; their connections are closed at header_timeout")
    func slowClients() async throws {
        let port = Self.freePort()
        let out = "http-\(UUID())"
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), header_timeout: 1s, auth: { token: letmein } }
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out) }
            """, port: port)
        // Blocking connects, on a thread of their own (never on the shared task pool).
        let slow = await withCheckedContinuation { (continuation: CheckedContinuation<[Int32], Never>) in
            Thread {
                continuation.resume(returning: (0..<2000).map { _ in Self.rawConnection(port, sending: "POST /events HTTP/1.1\r\nHost: x\r\n") })
            }.start()
        }
        defer { slow.forEach { close($0) } }
        let answer = try await Self.post(port, "{\"a\":1}\n", token: "letmein")
        #expect(answer.0 == 200, "a normal client is served while 2,000 slow ones hold connections")
        // A slow client's connection is closed by the server (read returns 0) once header_timeout passed.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(slow[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let closed = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            Thread {
                var byte: UInt8 = 0
                continuation.resume(returning: recv(slow[0], &byte, 1, 0))
            }.start()
        }
        #expect(closed == 0, "closed by the server")
        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).count == 1)
    }

    @Test("a stop during a flood of new connections ends cleanly: the listener closes first, no accepted connection is dropped mid-setup")
    func stopDuringConnectionFlood() async throws {
        // Connections opened after a stop began, over all rounds: the race was exercised.
        var openedDuringStops = 0
        for _ in 0..<6 {
            let port = Self.freePort()
            let out = "http-\(UUID())"
            let (pipeline, run) = try await Self.start("""
                sources:
                  ingest: { type: http_server, address: 127.0.0.1:\(port) }
                sinks:
                  out: { type: collect, inputs: [ingest], name: \(out) }
                """, port: port)
            #expect(try await Self.post(port, "{\"a\":1}\n").0 == 200)
            let flood = ConnectionFlood(port: port, limit: 1500)
            await flood.waitUntil(opened: 200)
            let openedAtStop = flood.opened
            pipeline.stop()
            try await run.value
            let refusedAfterStop = Self.connectionRefused(port)
            openedDuringStops += await flood.finish() - openedAtStop
            #expect(refusedAfterStop, "the listener is closed once the source ended")
            #expect(Self.harness.collector.events(out).count == 1)
        }
        // One round may see none (the flood's thread not scheduled in time); six rounds do.
        #expect(openedDuringStops > 0, "connections kept arriving while the servers stopped")
    }

    /// True when nothing accepts a connection on `port`.
    private static func connectionRefused(_ port: Int) -> Bool {
        guard let descriptor = LoopbackSocket.connect(port) else { return true }
        close(descriptor)
        return false
    }

    @Test("a body slower than body_timeout is answered 408 (Connection: close); none of it is taken, and its reserved bytes come back")
    func slowBody() async throws {
        let port = Self.freePort()
        let out = "http-\(UUID())"
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), body_timeout: 300ms, max_body_bytes: 1KB, max_pending_bytes: 1KB }
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out) }
            """, port: port)
        // A whole first line of the 1 KB announced, then nothing: the line must not be taken.
        let connection = Self.rawConnection(port, sending: "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":1}\n")
        defer { close(connection) }
        let answer = await Self.answer(on: connection, endingWith: "within 300ms\n")
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(answer.lowercased().contains("connection: close"))
        // The 1 KB it reserved (all of max_pending_bytes) is free again: a whole body is taken.
        #expect(try await Self.post(port, "{\"a\":2}\n").0 == 200)
        #expect(Self.harness.collector.events(out).map { $0.value["a"] } == [.int(2)], "only the complete body's event")
        pipeline.stop()
        try await run.value
    }

    @Test("a declared Content-Length past max_body_bytes is answered 413 (Connection: close) before any body arrives")
    func declaredTooLarge() async throws {
        let port = Self.freePort()
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), max_body_bytes: 1KB, body_timeout: 60s }
            sinks:
              out: { type: blackhole, inputs: [ingest] }
            """, port: port)
        // 99 TB announced, 3 bytes sent: waiting for the body would end only at the 60 s body timeout.
        let connection = Self.rawConnection(port, sending: "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\nabc")
        defer { close(connection) }
        // Until the answer's body is in (the server then drains the request until its header timeout).
        let answer = await Self.answer(on: connection, endingWith: "1KB\n")
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(answer.lowercased().contains("connection: close"))
        #expect(answer.hasSuffix("the body is larger than 1KB\n"), "the reason")
        pipeline.stop()
        try await run.value
    }

    /// Reads from `connection` until the answer ends with `suffix` (or the connection ends, or 20 s pass).
    private static func answer(on connection: Int32, endingWith suffix: String) async -> String {
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread {
                var received: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while !String(decoding: received, as: UTF8.self).hasSuffix(suffix) {
                    let count = recv(connection, &chunk, chunk.count, 0)
                    guard count > 0 else { break }
                    received += chunk[0..<count]
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }.start()
        }
    }

    /// Whether nothing has come back on `connection` yet (no answer, not closed).
    private static func awaitsAnswer(_ connection: Int32) -> Bool {
        var byte: UInt8 = 0
        return recv(connection, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) < 0 && errno == EAGAIN
    }

    @Test("bodies held at once are bounded by max_pending_bytes: past it, 503 at once (declared or chunked); the room comes back")
    func pendingBytes() async throws {
        let port = Self.freePort()
        let out = "http-\(UUID())"
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), max_body_bytes: 1KB, max_pending_bytes: 2KB, body_timeout: 60s }
            sinks:
              out: { type: collect, inputs: [ingest], name: \(out) }
            """, port: port)
        // 900 bytes: one event.
        let line = "{\"pad\":\"" + String(repeating: "x", count: 889) + "\"}\n"
        let head = "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n"
        // Two slow clients hold 1,800 of the 2,048 bytes while their bodies trickle in. A probe
        // in flight holds 900 too, so a slow client may be refused as it arrives: such a one
        // (it has an answer already) is opened again, until the probe is the one refused.
        var slow: [Int32] = []
        defer { slow.forEach { close($0) } }
        var (refused, acceptedEarly): ((Int, String), Int) = ((0, ""), 0)
        for _ in 0..<200 where refused.0 != 503 {
            slow = slow.filter { connection in
                if Self.awaitsAnswer(connection) { return true }
                close(connection)
                return false
            }
            while slow.count < 2 { slow.append(Self.rawConnection(port, sending: head + line.prefix(10))) }
            try await Task.sleep(for: .milliseconds(10))
            refused = try await Self.post(port, line)
            if refused.0 == 200 { acceptedEarly += 1 }
        }
        #expect(refused.0 == 503)
        #expect(refused.1 == "too many request bodies are arriving at once; retry later\n")
        // A chunked body has no declared length: its chunks are reserved as they come.
        let chunked = Self.rawConnection(port, sending: "POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n12c\r\n" + String(repeating: " ", count: 300) + "\r\n")
        defer { close(chunked) }
        let chunkedAnswer = await Self.answer(on: chunked, endingWith: "retry later\n")
        #expect(chunkedAnswer.hasPrefix("HTTP/1.1 503"), "\(chunkedAnswer)")
        #expect(chunkedAnswer.lowercased().contains("retry-after: 1"))
        #expect(chunkedAnswer.lowercased().contains("connection: close"))
        // The slow bodies complete and are taken; their room is given back.
        for connection in slow {
            _ = String(line.dropFirst(10)).withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            #expect(await Self.answer(on: connection, endingWith: "accepted 1 events\n").hasPrefix("HTTP/1.1 200"))
        }
        #expect(try await Self.post(port, line + line).0 == 413)
        #expect(try await Self.post(port, line).0 == 200)
        pipeline.stop()
        try await run.value
        #expect(Self.harness.collector.events(out).count == 3 + acceptedEarly)
    }

    @Test("the bearer token is checked whole: a prefix, a longer value, another case are all refused")
    func tokenComparison() async throws {
        let port = Self.freePort()
        let (pipeline, run) = try await Self.start("""
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(port), auth: { token: letmein } }
            sinks:
              out: { type: blackhole, inputs: [ingest] }
            """, port: port)
        for wrong in ["letmei", "letmein2", "LETMEIN", ""] {
            #expect(try await Self.post(port, "{\"a\":1}\n", token: wrong).0 == 401, "\(wrong)")
        }
        #expect(try await Self.post(port, "{\"a\":1}\n", token: "letmein").0 == 200)
        pipeline.stop()
        try await run.value
    }
}
