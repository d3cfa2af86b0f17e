import Logging
import NATSClient
import SwitchyardKit

/// Publishes events to a JetStream stream and acknowledges them upstream only once the
/// stream has stored them (its publish acknowledgement).
public struct NATSSink: Sink, NATSStage {
    public struct Configuration: StageConfiguration {
        @Option("Server URLs, nats://HOST:PORT; several (comma-separated) for a cluster, tried in order.")
        var url = "nats://127.0.0.1:4222"
        @Option("The subject of each event, a template such as `home.{{ .data.entity_id }}`; a stream must take it.")
        var subject: Template
        @Option("An expression whose value becomes the `Nats-Msg-Id` header: JetStream drops a message it already stored with that id within the stream's duplicate window, so a resend after a timeout is not stored twice.")
        var msg_id: SwitchyardKit.Expression?
        @Option("How many publishes await their acknowledgement at once.", minimum: 1)
        var window = 256
        @Option("How long a publish waits for the stream's acknowledgement before it is sent again.")
        var ack_timeout = ConfigDuration(.seconds(5))
        @Option("Credentials.")
        var auth = NATSAuthOptions()
        @Option("TLS with a private CA.")
        var tls: NATSTLSOptions?
        @Option("Reconnection after a lost or refused connection.")
        var reconnect = NATSReconnectOptions()
        @Option("Events the server or the stream refuses for good (larger than the server's max_payload or the stream's max_msg_size, a JetStream error 400) are appended here; without it they are dropped, counted and logged. Refusals that may pass (no stream yet, a timeout, a lost connection) are retried.")
        var dead_letter: DeadLetterOptions?

        public init() {}
    }

    public static let typeName = "nats"
    public static let summary = "Publishes events to a NATS JetStream stream; acknowledged upstream once the stream stored them."
    public static let example = """
        type: nats
        inputs: [home]
        url: nats://127.0.0.1:4222
        subject: "home.{{ .data.entity_id }}"
        msg_id: .id
        """

    private let configuration: Configuration
    private let connectionOptions: NATSConnection.Options
    private let context: StageContext
    private let deadLetter: DeadLetterFile?
    let health = NATSHealth()

    /// Reads the nkey seed file and checks the CA file: a wrong path fails the pipeline at startup.
    public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        self.connectionOptions = try configuration.auth.connectionOptions(url: configuration.url, tls: configuration.tls)
        self.context = context
        self.deadLetter = configuration.dead_letter.map { DeadLetterFile(path: $0.path) }
    }

    public func run(input: SinkInput) async throws {
        let connector = makeConnector(connectionOptions, reconnect: configuration.reconnect, logger: context.logger)
        while let batch = await input.next() {
            var messages: [NATSMessage] = []
            messages.reserveCapacity(batch.count)
            for event in batch.events {
                do {
                    var payload: [UInt8] = []
                    event.writeJSON(into: &payload)
                    var headers: [(name: String, value: String)] = []
                    if let msgID = configuration.msg_id {
                        let value = try msgID.evaluate(event)
                        headers.append(("Nats-Msg-Id", value.stringValue ?? JSONWriter.string(value)))
                    }
                    messages.append(NATSMessage(subject: try configuration.subject.render(event), payload: payload, headers: headers))
                } catch {
                    context.problems.drop(because: "cannot make the message: \(error)")
                }
            }
            let refused = try await store(messages, connector: connector)
            // A refused message's payload is its event's JSON text, as written above.
            context.problems.refuse(refused.map { (Event(validatedJSON: $0.0.payload[...]), "not stored: \($0.1)") },
                                    deadLetter: deadLetter)
            context.metrics.addOut(messages.count - refused.count)
            input.receipt().acknowledge()
        }
        input.receipt().acknowledge()
    }

    /// Publishes until the stream acknowledged every message it will ever take; what failed is
    /// sent again after a backoff (on a new connection if the old one failed). Returns the
    /// messages refused for good with the reason: sending them again would fail again, and
    /// hold every event behind them (a message over `max_payload` also closes the connection).
    /// When the pipeline is stopping, it gives up after a few rounds, so that shutdown ends;
    /// the events then count as failed.
    private func store(_ messages: [NATSMessage], connector: NATSConnector) async throws -> [(NATSMessage, String)] {
        var pending = messages[...]
        var refused: [(NATSMessage, String)] = []
        var backoff = configuration.reconnect.backoff
        var rounds = 0
        let context = self.context
        while !pending.isEmpty {
            let connection = try await connector.connection(isStopping: { context.isStopping })
            let jetStream = JetStream(connection: connection)
            let maximum = connection.maximumPayload
            pending = pending.filter { message in
                let size = message.sizeOnTheWire
                if size > maximum { refused.append((message, "\(size) bytes is more than the server's max_payload (\(maximum))")) }
                return size <= maximum
            }[...]
            var failed: [NATSMessage] = []
            var lastError: NATSError?
            while !pending.isEmpty {
                let window = pending.prefix(configuration.window)
                pending = pending.dropFirst(window.count)
                health.pendingAcks(window.count)
                let results: [Result<JetStream.PublishAck, NATSError>]
                do {
                    results = try await jetStream.publish(Array(window), timeout: configuration.ack_timeout.duration)
                } catch {
                    results = Array(repeating: .failure(error), count: window.count)
                }
                health.pendingAcks(-window.count)
                for (message, result) in zip(window, results) {
                    switch result {
                    case .success: break
                    case .failure(.jetStream(400, let description)): refused.append((message, "the stream refused it: \(description)"))
                    case .failure(let error):
                        failed.append(message)
                        lastError = error
                    }
                }
            }
            guard let lastError else { return refused }
            rounds += 1
            pending = failed[...]
            if case .closed = lastError { await connector.discard(connection, because: lastError) }
            if case .timeout = lastError { await connector.discard(connection, because: lastError) }
            health.failed("\(lastError)")
            let wait = backoff.next()
            context.logger.warning("\(failed.count) events not stored: \(lastError); sending them again in \(wait)")
            if context.isStopping, rounds >= 3 { throw lastError }
            try await Task.sleep(for: wait)
        }
        return refused
    }
}
