import Foundation
import Logging
import NATSClient
import SwitchyardKit

/// Reads a JetStream durable pull consumer (or, in `core` mode, a plain subscription) and
/// acknowledges each message to NATS only once the pipeline's sinks made it durable.
public struct NATSSource: Source, NATSStage {
    public struct Configuration: StageConfiguration {
        @Option("Server URLs, nats://HOST:PORT; several (comma-separated) for a cluster, tried in order.")
        var url = "nats://127.0.0.1:4222"
        @Option("`jetstream`: a durable pull consumer, acknowledged after delivery. `core`: a plain subscription (at most once: nothing to acknowledge).")
        var mode = Mode.jetstream
        @Option("The stream (jetstream mode).")
        var stream: String?
        @Option("The durable consumer's name; instances with the same name share the work (jetstream mode).")
        var consumer: String?
        @Option("Only messages whose subject matches (jetstream mode), or the subject to subscribe to (core mode).")
        var subject: String?
        @Option("A queue group: instances in the same group share the messages (core mode).")
        var queue: String?
        @Option("Messages asked for per pull.", minimum: 1)
        var batch = 256
        @Option("How long JetStream waits for an acknowledgement before delivering a message again.")
        var ack_wait = ConfigDuration(.seconds(30))
        @Option("How many messages may await acknowledgement at once (all instances together); bounds redeliveries after a crash.", minimum: 1)
        var max_ack_pending = 1000
        @Option("Credentials.")
        var auth = NATSAuthOptions()
        @Option("TLS with a private CA.")
        var tls: NATSTLSOptions?
        @Option("Reconnection after a lost or refused connection.")
        var reconnect = NATSReconnectOptions()

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            switch mode {
            case .jetstream:
                if stream == nil { problems.append(OptionProblem(option: "stream", "jetstream mode needs the stream's name")) }
                if consumer == nil { problems.append(OptionProblem(option: "consumer", "jetstream mode needs a durable consumer name")) }
                if queue != nil { problems.append(OptionProblem(option: "queue", "a queue group is for core mode; durable consumers share work by name")) }
            case .core:
                if subject == nil { problems.append(OptionProblem(option: "subject", "core mode needs the subject to subscribe to")) }
            }
            for (name, value) in [("stream", stream), ("consumer", consumer)] {
                if let value, value.isEmpty || value.contains(where: { " .*>".contains($0) }) {
                    problems.append(OptionProblem(option: name, "'\(value)' may not be empty nor hold spaces, '.', '*' or '>'"))
                }
            }
            return problems
        }
    }

    /// How messages are read.
    public enum Mode: String, ConfigEnum {
        case jetstream
        case core
    }

    public static let typeName = "nats"
    public static let summary = "Reads a NATS JetStream durable consumer (acknowledged once the sinks made each message durable) or a core subject."
    public static let example = """
        type: nats
        url: nats://127.0.0.1:4222
        stream: HOME
        consumer: workers
        subject: "home.>"
        """

    private let configuration: Configuration
    private let connectionOptions: NATSConnection.Options
    private let context: StageContext
    let health = NATSHealth()

    /// Reads the nkey seed file and checks the CA file: a wrong path fails the pipeline at startup.
    public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        self.connectionOptions = try configuration.auth.connectionOptions(url: configuration.url, tls: configuration.tls)
        self.context = context
    }

    public func run(output: SourceOutput) async throws {
        let connector = makeConnector(connectionOptions, reconnect: configuration.reconnect, logger: context.logger)
        var backoff = configuration.reconnect.backoff
        while !Task.isCancelled {
            let connection = try await connector.connection()
            do {
                switch configuration.mode {
                case .jetstream: try await pull(connection, into: output)
                case .core: try await subscribe(connection, into: output)
                }
                backoff.reset()
            } catch {
                await connector.discard(connection, because: error)
                let wait = backoff.next()
                context.logger.error("\(error); trying again in \(wait)")
                try await Task.sleep(for: wait)
            }
        }
    }

    /// Pulls batches until the connection fails (throws) or the task is cancelled (returns).
    private func pull(_ connection: NATSConnection, into output: SourceOutput) async throws(NATSError) {
        let (stream, consumer) = (configuration.stream!, configuration.consumer!)
        let jetStream = JetStream(connection: connection)
        try await jetStream.createDurableConsumer(stream: stream, name: consumer, filterSubject: configuration.subject,
                                                  ackWait: configuration.ack_wait.duration,
                                                  maxAckPending: configuration.max_ack_pending)
        let inbox = "_INBOX.switchyard.\(UInt64.random(in: 0...UInt64.max))"
        let subscription = try connection.subscribe(inbox)
        defer { connection.unsubscribe(subscription) }
        // Two pulls are kept outstanding, so the server sends the next batch while this one goes
        // through the pipeline; what arrived is delivered at once, never held for a full batch.
        // The server serves pulls in order: a message counts against the oldest one, and a
        // status (408: it expired) ends the oldest.
        var outstanding: [Int] = []
        while !Task.isCancelled {
            while outstanding.count < 2 {
                try jetStream.requestNext(stream: stream, consumer: consumer, batch: configuration.batch, expires: .seconds(1), inbox: inbox)
                outstanding.append(configuration.batch)
            }
            guard let arrived = await subscription.next(limit: configuration.batch) else {
                if Task.isCancelled { break }
                throw connection.closeReason ?? .closed
            }
            var received: [NATSMessage] = []
            received.reserveCapacity(arrived.count)
            for message in arrived {
                switch message.status {
                case nil:
                    received.append(message)
                    if !outstanding.isEmpty {
                        outstanding[0] -= 1
                        if outstanding[0] == 0 { outstanding.removeFirst() }
                    }
                case 409?:
                    throw .jetStream(code: 409, description: message.statusDescription ?? "conflict")
                default:
                    if !outstanding.isEmpty { outstanding.removeFirst() }
                }
            }
            await deliver(received, connection: connection, to: output)
        }
    }

    /// Sends messages on with one acknowledgement token: +ACK each once durable, -NAK each if not.
    private func deliver(_ messages: [NATSMessage], connection: NATSConnection, to output: SourceOutput) async {
        guard !messages.isEmpty else { return }
        let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
        var events: [Event] = []
        var acknowledged: [String] = []
        for message in messages {
            guard let reply = message.replyTo else { continue }
            if Self.deliveryCount(reply) > 1 { health.redelivered(1) }
            if let event = try? Event(jsonLine: message.payload[...], metadata: metadata) {
                events.append(event)
                acknowledged.append(reply)
            } else {
                // Not JSON: it can never succeed; terminate it instead of having it redelivered forever.
                context.problems.reject("message on '\(message.subject)' is not a JSON value")
                try? connection.publish(all: [(reply, Array("+TERM".utf8))])
            }
        }
        let health = self.health
        health.pendingAcks(acknowledged.count)
        let token = Acknowledgement { [acknowledged] outcome in
            let answer = Array((outcome == .failed ? "-NAK" : "+ACK").utf8)
            try? connection.publish(all: acknowledged.map { ($0, answer) })
            health.pendingAcks(-acknowledged.count)
        }
        await output.send(events, acknowledgement: token)
    }

    /// Reads a core subscription until the connection fails or the task is cancelled.
    private func subscribe(_ connection: NATSConnection, into output: SourceOutput) async throws(NATSError) {
        let subscription = try connection.subscribe(configuration.subject!, queue: configuration.queue)
        defer { connection.unsubscribe(subscription) }
        var reportedDrops = 0
        while let messages = await subscription.next(limit: configuration.batch) {
            let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
            var events: [Event] = []
            for message in messages {
                if let event = try? Event(jsonLine: message.payload[...], metadata: metadata) {
                    events.append(event)
                } else {
                    context.problems.reject("message on '\(message.subject)' is not a JSON value")
                }
            }
            let dropped = subscription.dropped
            if dropped > reportedDrops {
                context.problems.drop(dropped - reportedDrops, because: "the pipeline fell behind a core subscription (at most once)")
                reportedDrops = dropped
            }
            await output.send(events)
        }
        if !Task.isCancelled { throw connection.closeReason ?? .closed }
    }

    /// How many times JetStream delivered the message, from its `$JS.ACK…` reply subject.
    static func deliveryCount(_ reply: String) -> Int {
        let tokens = reply.split(separator: ".")
        switch tokens.count {
        case 9: return Int(tokens[4]) ?? 1
        case 11...: return Int(tokens[6]) ?? 1
        default: return 1
        }
    }
}
