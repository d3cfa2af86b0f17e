import Foundation
import NATSClient
import NATSTestSupport
import Testing

/// The client against a real `nats-server` (no fake): publish/subscribe, headers, requests,
/// no responders, credentials.
@Suite("NATS client", .serialized, .enabled(if: NATSServerProcess.isInstalled, "needs nats-server (Debian: nats-server; .ci/run installs it)"))
struct NATSClientTests {
    @Test("a subscriber gets every message published, in order, with its headers and reply subject")
    func publishSubscribe() async throws {
        let server = try NATSServerProcess()
        let connection = try await server.connect()
        defer { connection.close() }
        let subscription = try connection.subscribe("orders.>")
        try await connection.flush()
        for number in 1...1000 {
            let headers: [(name: String, value: String)] = number % 2 == 0 ? [("Nats-Msg-Id", "m\(number)"), ("X-Trace", "a: b")] : []
            try connection.publish("orders.\(number % 3)", payload: Array("{\"n\":\(number)}".utf8), replyTo: number == 7 ? "answers" : nil,
                                   headers: headers)
        }
        var received: [NATSMessage] = []
        while received.count < 1000, let more = await subscription.next(limit: 1000) { received += more }
        #expect(received.map { String(decoding: $0.payload, as: UTF8.self) } == (1...1000).map { "{\"n\":\($0)}" })
        #expect(received[1].header("nats-msg-id") == "m2")
        #expect(received[1].header("X-Trace") == "a: b")
        #expect(received[0].headers.isEmpty)
        #expect(received[6].replyTo == "answers")
        #expect(received[2].subject == "orders.0")
    }

    @Test("requests are answered through one inbox, in the order asked, also when answered out of order")
    func requestReply() async throws {
        let server = try NATSServerProcess()
        let responder = try await server.connect()
        defer { responder.close() }
        let questions = try responder.subscribe("echo")
        try await responder.flush()
        let answering = Task {
            var pending: [NATSMessage] = []
            while let batch = await questions.next(limit: 100) {
                pending += batch
                // Answers in reverse order of arrival, ten at a time.
                while pending.count >= 10 {
                    for question in pending.prefix(10).reversed() {
                        try responder.publish(question.replyTo ?? "", payload: question.payload.reversed())
                    }
                    pending.removeFirst(10)
                }
            }
        }
        defer { answering.cancel() }
        let client = try await server.connect()
        defer { client.close() }
        let messages = (0..<100).map { NATSMessage(subject: "echo", payload: Array("q\($0)".utf8)) }
        let answers = try await client.requests(messages, timeout: .seconds(10))
        #expect(try answers.map { String(decoding: try $0.get().payload, as: UTF8.self) } == (0..<100).map { String("q\($0)".reversed()) })
    }

    @Test("a request nobody listens to fails at once with no responders, and one unanswered times out")
    func noRespondersAndTimeout() async throws {
        let server = try NATSServerProcess()
        let connection = try await server.connect()
        defer { connection.close() }
        let reply = try await connection.request(NATSMessage(subject: "nobody.home", payload: []), timeout: .seconds(10))
        #expect(reply.status == 503)
        let silent = try connection.subscribe("silent")
        try await connection.flush()
        await #expect(throws: NATSError.self) {
            try await connection.request(NATSMessage(subject: "silent", payload: []), timeout: .milliseconds(200))
        }
        connection.unsubscribe(silent)
        #expect(!connection.isClosed)
    }

    @Test("wrong credentials: the handshake fails with the server's 'Authorization Violation'")
    func wrongPassword() async throws {
        let server = try NATSServerProcess(arguments: ["--user", "app", "--pass", "right-password"])
        let good = try await server.connect(user: "app", password: "right-password")
        good.close()
        let error = await #expect(throws: NATSError.self) { try await server.connect(user: "app", password: "wrong") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("Authorization Violation"))
    }

    @Test("a server that closes the connection: waiting calls fail with closed, nothing hangs")
    func serverGoesAway() async throws {
        let server = try NATSServerProcess()
        let connection = try await server.connect()
        let subscription = try connection.subscribe("x")
        try await connection.flush()
        server.stop()
        #expect(await subscription.next(limit: 10) == nil)
        #expect(connection.isClosed)
        #expect(throws: NATSError.self) { try connection.publish("x", payload: []) }
        await #expect(throws: NATSError.self) { try await connection.flush() }
    }
}
