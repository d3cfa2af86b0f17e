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
    let health = NATSHealth()

    /// Reads the nkey seed file and checks the CA file: a wrong path fails the pipeline at startup.
    public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        self.connectionOptions = try configuration.auth.connectionOptions(url: configuration.url, tls: configuration.tls)
        self.context = context
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
            try await store(messages, connector: connector)
            context.metrics.addOut(messages.count)
            input.receipt().acknowledge()
        }
        input.receipt().acknowledge()
    }

    /// Publishes until the stream acknowledged every message; what failed is sent again after
    /// a backoff (on a new connection if the old one failed). When the pipeline is stopping,
    /// it gives up after a few rounds, so that shutdown ends; the events then count as failed.
    private func store(_ messages: [NATSMessage], connector: NATSConnector) async throws {
        var pending = messages[...]
        var backoff = configuration.reconnect.backoff
        var rounds = 0
        while !pending.isEmpty {
            let connection = try await connector.connection(attempts: context.isStopping ? 3 : .max)
            let jetStream = JetStream(connection: connection)
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
                    if case .failure(let error) = result {
                        failed.append(message)
                        lastError = error
                    }
                }
            }
            guard let lastError else { return }
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
    }
}
