import CompressNIO
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import SwitchyardAPI
import SwitchyardKit

/// An HTTP receiver on 127.0.0.1 that fails on demand: scripted statuses, Retry-After, slow answers.
final class TestReceiver: Sendable {
    /// One scripted answer.
    enum Answer: Sendable {
        case status(Int, retryAfter: String? = nil)
        /// Wait before answering 200.
        case slow(Duration)
        /// Answer `status` with a body of `bytes` bytes.
        case large(status: Int, bytes: Int)
        /// Answer `status` with `Location: /moved`, where every POST is taken (and every GET
        /// answered 200). A 303 means the POST was taken here.
        case redirect(Int)
    }

    struct Received: Sendable {
        var requests = 0
        var accepted: [String] = []
        var headers: [[String: String]] = []
    }

    private let script = Mutex<[Answer]>([])
    private let received = Mutex(Received())
    private let listening = Mutex<Int?>(nil)

    /// Answers to give, in order, before answering 200 to everything.
    func plan(_ answers: [Answer]) { script.withLock { $0 = answers } }
    var snapshot: Received { received.withLock { $0 } }
    var port: Int { listening.withLock { $0 } ?? 0 }

    /// The lines of every body answered 200.
    var acceptedLines: [String] { snapshot.accepted.flatMap { $0.split(separator: "\n").map(String.init) } }

    func run(port: Int = 0, ready: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        router.get("/moved") { _, _ -> Response in Response(status: .ok) }
        router.post("/moved") { request, _ -> Response in
            let text = String(buffer: try await request.body.collect(upTo: 64 << 20))
            self.received.withLock {
                $0.requests += 1
                $0.accepted.append(text)
            }
            return Response(status: .ok)
        }
        router.post("/ingest") { request, _ -> Response in
            var body = try await request.body.collect(upTo: 64 << 20)
            if request.headers[.contentEncoding] == "gzip" { body = try body.decompress(with: .gzip()) }
            let text = String(buffer: body)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let answer = self.script.withLock { $0.isEmpty ? Answer.status(200) : $0.removeFirst() }
            self.received.withLock {
                $0.requests += 1
                $0.headers.append(headers)
            }
            switch answer {
            case .redirect(let code):
                if code == 303 { self.received.withLock { $0.accepted.append(text) } }
                return Response(status: .init(code: code), headers: [.location: "/moved"])
            case .slow(let delay):
                try await Task.sleep(for: delay)
            case .large(let code, let bytes):
                if code == 200 { self.received.withLock { $0.accepted.append(text) } }
                return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)))
            case .status(let code, let retryAfter):
                if code != 200 {
                    var response = Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "injected \(code)")))
                    if let retryAfter { response.headers[.retryAfter] = retryAfter }
                    return response
                }
            }
            self.received.withLock { $0.accepted.append(text) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in
                                  let bound = channel.localAddress?.port ?? 0
                                  self.listening.withLock { $0 = bound }
                                  ready(bound)
                              },
                              logger: QuietingLogHandler.logger(Logger(label: "receiver"), quieting: [
                                  "Server shutdown error: Already closed", "Waiting on child channel: CancellationError",
                              ]))
        // Stopped gracefully: cancelled while clients still connect, NIO would stop the test process.
        try await GracefulServer(app, stopGrace: .seconds(1), logger: app.logger).run()
    }

    /// Starts the receiver in `group`; returns its port once it listens.
    @discardableResult
    func start(in group: inout ThrowingTaskGroup<Void, any Error>, port: Int = 0) async -> Int {
        let stream = AsyncStream<Int>.makeStream()
        group.addTask { try await self.run(port: port) { stream.continuation.yield($0) } }
        var iterator = stream.stream.makeAsyncIterator()
        return await iterator.next() ?? 0
    }
}
