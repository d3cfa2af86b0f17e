import HTTPTypes
import Logging
import NIOCore
import NIOSSL
import Synchronization
import SwitchyardKit
import WSClient

/// Reads events from a WebSocket: Home Assistant's API or any server, reconnecting forever.
///
/// By construction there is at most one connection and one reader at a time:
/// `run` is one loop, and each connection's reader and conversation are child
/// tasks of that connection's scope, which ends (socket closed, children done)
/// before the next attempt starts. Subscriptions are sent by one conversation per
/// connection, once per event type, after `auth_ok`, and count only on success.
public struct WebSocketSource: Source, HealthReporting {
    public struct Configuration: StageConfiguration {
        @Option("`ws://` or `wss://` (for `wss://` to a local server use `localhost`, not `127.0.0.1`, so the certificate name matches).")
        var url: String
        @Option("home_assistant: auth, subscribe, ping/pong, coalesced frames. raw: every frame is an event.")
        var `protocol` = WebSocketProtocol.home_assistant
        @Option("home_assistant: a long-lived access token (write ${HA_TOKEN}; never logged).")
        var access_token: String?
        @Option("home_assistant: one subscription per type; absent or empty subscribes to every event.")
        var event_types: [String]?
        @Option("raw: messages sent after every connect.")
        var on_connect: [String]?
        @Option("`raw`: `json` (a frame is one JSON value; others are counted as errors) or `text` (`{\"message\": frame}`).")
        var decoding = WebSocketDecoding.json
        @Option("Extra HTTP headers for the upgrade request.")
        var headers: [String: String] = [:]
        @Option("wss: trust this CA bundle (PEM) besides the system's.")
        var tls: TLSOptions?
        @Option("TCP connect, TLS handshake and WebSocket upgrade. At the deadline the attempt's socket is closed, whatever it was waiting for.")
        var connect_timeout = ConfigDuration(.seconds(10))
        @Option("home_assistant: longest wait for each auth step and each command's reply.")
        var auth_timeout = ConfigDuration(.seconds(10))
        @Option("`home_assistant`: a `ping` command every interval, its `pong` due within timeout; `raw`: WebSocket pings, the connection closes if a pong is missing at the next ping.")
        var heartbeat = HeartbeatOptions()
        @Option("Forever, by failure class: refused/unreachable/DNS failure retry every unreachable_interval (±jitter; it costs the server nothing, so the source is back within about a second of the server's return); failures after the server accepted back off from initial_delay by multiplier up to max_delay (back to initial_delay after a connection streamed for reset_after); auth_invalid and HTTP 401/403 wait max_delay.")
        var reconnect = ReconnectOptions()
        @Option("When `max_pending_events` read events wait for the pipeline: `block` stops reading the socket (Home Assistant drops a client with 4096 messages pending, and the source then reconnects); `drop_oldest` keeps draining the socket and drops the oldest waiting events, counted in `dropped_events`.")
        var when_full = WebSocketWhenFull.block
        @Option("Events read from the socket that may wait for the pipeline.", minimum: 1)
        var max_pending_events = 10_000
        @Option("`home_assistant`: `states` sends `get_states` after every (re)subscription and emits one event per entity, `{\"event_type\": \"switchyard_state_snapshot\", \"data\": {\"entity_id\", \"new_state\"}, \"origin\": \"SWITCHYARD\", \"time_fired\"}`, shaped like `state_changed` so the same pipelines consume it: stores downstream converge to Home Assistant's state after a gap.")
        var resync = WebSocketResync.none

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if !(url.hasPrefix("ws://") || url.hasPrefix("wss://")) {
                problems.append(OptionProblem(option: "url", "must start with ws:// or wss://"))
            }
            let mode = self.protocol
            if mode == .home_assistant, (access_token ?? "").isEmpty {
                problems.append(OptionProblem(option: "access_token", "is required with protocol: home_assistant (write ${HA_TOKEN})"))
            }
            if mode == .home_assistant, on_connect != nil {
                problems.append(OptionProblem(option: "on_connect", "is for protocol: raw; Home Assistant subscriptions come from event_types"))
            }
            if mode == .raw, resync == .states {
                problems.append(OptionProblem(option: "resync", "states is for protocol: home_assistant"))
            }
            if mode == .raw, event_types != nil {
                problems.append(OptionProblem(option: "event_types", "is for protocol: home_assistant; use on_connect with raw"))
            }
            if reconnect.multiplier < 1 {
                problems.append(OptionProblem(option: "reconnect", "multiplier must be at least 1"))
            }
            if !(0...1).contains(reconnect.jitter) {
                problems.append(OptionProblem(option: "reconnect", "jitter must be between 0 and 1"))
            }
            if max_pending_events < 1 {
                problems.append(OptionProblem(option: "max_pending_events", "must be at least 1"))
            }
            return problems
        }
    }

    public static let typeName = "websocket"
    public static let summary = "Reads events from a WebSocket (Home Assistant's API, or raw frames); reconnects forever."
    public static let example = """
        type: websocket
        url: ws://homeassistant.local:8123/api/websocket
        protocol: home_assistant
        access_token: ${HA_TOKEN:-token}
        event_types: [state_changed]
        heartbeat: { interval: 30s, timeout: 10s }
        reconnect: { initial_delay: 1s, max_delay: 60s, multiplier: 2, jitter: 0.2 }
        when_full: drop_oldest
        """

    private let configuration: Configuration
    private let context: StageContext
    let health = ConnectionHealth()

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    // MARK: - HealthReporting

    public func healthDetails() -> JSONObject { health.details(eventTypes: configuration.event_types ?? []) }
    public var isReady: Bool? { health.snapshot.connected && health.snapshot.subscribed }
    public func metricSamples() -> [MetricSample] { health.samples() }

    // MARK: - Running

    public func run(output: SourceOutput) async throws {
        let metrics = context.metrics
        let health = health
        let buffer = InboundBuffer(capacity: configuration.max_pending_events, whenFull: configuration.when_full) { count in
            metrics.addDropped(count)
            health.update { $0.dropped += count }
        }
        let tls = try makeTLSConfiguration()
        await withTaskGroup(of: Void.self) { group in
            // The forwarder outlives connections: it hands what any connection read to the pipeline,
            // and ends only after the last connection, once the buffer is drained.
            group.addTask {
                while let events = await buffer.take() { await output.send(events) }
            }
            await connectionLoop(buffer: buffer, tls: tls)
            buffer.close()
        }
        health.update { $0.state = .stopped }
    }

    /// Connects, and after each end waits (with backoff) and connects again, until cancelled.
    private func connectionLoop(buffer: InboundBuffer, tls: TLSConfiguration?) async {
        let reconnect = configuration.reconnect
        var backoff = Backoff(initial: reconnect.initial_delay.duration,
                              maximum: reconnect.max_delay.duration,
                              multiplier: reconnect.multiplier, jitter: reconnect.jitter)
        let resetAfter = reconnect.reset_after.duration
        let unreachableInterval = reconnect.unreachable_interval.duration
        while !Task.isCancelled {
            let generation = health.beginAttempt()
            var logger = context.logger
            logger[metadataKey: "connection"] = "\(generation)"
            let started = ContinuousClock.now
            var failure: (any Error)?
            do {
                try await connectOnce(buffer: buffer, tls: tls, logger: logger)
            } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
                failure = await upgradeFailure(error)
            } catch {
                failure = error
            }
            if Task.isCancelled {
                health.connectionEnded(error: nil)
                break
            }
            let reason = failure.map { "\($0)" } ?? "connection closed"
            health.connectionEnded(error: reason)
            let streamedLongEnough = health.snapshot.state == .streaming && ContinuousClock.now - started >= resetAfter
            if streamedLongEnough { backoff.reset() }
            let delay: Duration
            switch failure.map(ConnectionFailure.init) ?? .afterAccept {
            case .refusedCredentials:
                delay = backoff.longest()
                logger.error("the server refused the credentials; retrying in \(delay)", metadata: ["error": "\(reason)"])
            case .unreachable:
                // Nothing listens (Home Assistant restarting): retry soon, and start the backoff afresh.
                backoff.reset()
                delay = Backoff.jittered(unreachableInterval, by: backoff.jitter)
                logger.warning("server unreachable; retrying in \(delay)", metadata: ["error": "\(reason)"])
            case .afterAccept:
                delay = backoff.next()
                logger.warning("connection ended; reconnecting in \(delay)", metadata: ["error": "\(reason)"])
            }
            health.update { $0.state = .backing_off }
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
        }
    }

    /// One connection, start to end. Returns or throws once an open connection has closed;
    /// an attempt that never opened is given up at its deadline or at a stop.
    ///
    /// Every phase has a deadline that closes the socket itself: `connect_timeout` covers the
    /// TCP connection, TLS and the upgrade (the attempt's event loop is shut down, see
    /// ``ConnectionAttempt``); the conversation's steps have `auth_timeout`. A stop gives up a
    /// connection still connecting at once, and closes an open one after at most ``stopGrace``
    /// (no longer awaited after twice that).
    private func connectOnce(buffer: InboundBuffer, tls: TLSConfiguration?, logger: Logger) async throws {
        // Home Assistant coalesces many messages into one frame: allow large frames (16 MiB).
        var clientConfiguration = WebSocketClientConfiguration(maxFrameSize: 1 << 24, closeTimeout: .milliseconds(500))
        var headers = HTTPFields()
        headers[.userAgent] = "switchyard/\(SwitchyardVersion.current)"
        for (name, value) in configuration.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        clientConfiguration.additionalHeaders = headers
        let mode = configuration.protocol
        let interval = configuration.heartbeat.interval.duration
        if mode == .raw { clientConfiguration.autoPing = .enabled(timePeriod: interval) }

        let attempt = ConnectionAttempt()
        let clientSettings = clientConfiguration
        let connectTimeout = configuration.connect_timeout.duration
        // Unstructured, so that an attempt given up before it opened need not be awaited
        // (see ``ConnectionAttempt``); one that opened is awaited through its outcome.
        let connection = Task {
            do {
                try await WebSocketClient.connect(url: configuration.url, configuration: clientSettings,
                                                  tlsConfiguration: tls, eventLoopGroup: attempt.loops,
                                                  logger: logger) { inbound, outbound, _ in
                    guard attempt.markOpen() else { return }
                    try await session(inbound: inbound, outbound: outbound, buffer: buffer, logger: logger)
                }
                attempt.connectReturned(.failure(WebSocketSourceError.closed))
            } catch {
                attempt.connectReturned(.failure(error))
            }
        }
        // Never cancelled: it also ends the connect call of an attempt given up at a stop.
        Task {
            try? await Task.sleep(for: connectTimeout)
            attempt.deadlinePassed(WebSocketSourceError.timeout("connecting took longer than \(connectTimeout)"))
        }
        try await withTaskCancellationHandler {
            try await attempt.outcome()
        } onCancel: {
            connection.cancel()
            if !attempt.giveUpIfConnecting() {
                Task {
                    try? await Task.sleep(for: Self.stopGrace)
                    attempt.close()
                    try? await Task.sleep(for: Self.stopGrace)
                    attempt.abandon()
                }
            }
        }
    }

    /// Why the upgrade failed, with the server's HTTP status when it can be learned (401, 403...).
    private func upgradeFailure(_ error: WebSocketClientError) async -> any Error {
        var headers = [("User-Agent", "switchyard/\(SwitchyardVersion.current)")]
        for (name, value) in configuration.headers { headers.append((name, value)) }
        let timeout = configuration.connect_timeout.duration
        guard let (status, reason) = await UpgradeProbe.status(url: configuration.url, headers: headers, timeout: timeout),
            status != 101
        else { return error }
        return WebSocketSourceError.upgradeRefused(status, reason)
    }

    /// How long an open connection may take to close cleanly once the source is stopped.
    static let stopGrace = Duration.milliseconds(500)

    /// What runs on an open socket: the reader and the conversation, as children of this scope.
    private func session(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, buffer: InboundBuffer,
                         logger: Logger) async throws {
        let mailbox = CommandMailbox()
        let subscriptions = SubscriptionIDs()
        let mode = configuration.protocol
        health.update { $0.connected = true }
        logger.info("connected", metadata: ["url": "\(configuration.url)"])
        let reader = WebSocketReader(mode: mode, decoding: configuration.decoding, sourceID: context.id,
                                     mailbox: mailbox, subscriptions: subscriptions, buffer: buffer, health: health,
                                     metrics: context.metrics, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await reader.run(inbound) }
                group.addTask {
                    switch mode {
                    case .home_assistant:
                        try await HomeAssistantConversation(
                            accessToken: configuration.access_token ?? "", eventTypes: configuration.event_types ?? [],
                            authTimeout: configuration.auth_timeout.duration,
                            heartbeatInterval: configuration.heartbeat.interval.duration,
                            heartbeatTimeout: configuration.heartbeat.timeout.duration,
                            snapshot: configuration.resync == .states ? StateSnapshot(sourceID: context.id, buffer: buffer) : nil,
                            mailbox: mailbox, subscriptions: subscriptions, health: health, logger: logger
                        ).run(outbound: outbound)
                    case .raw:
                        for message in configuration.on_connect ?? [] { try await outbound.write(.text(message)) }
                        health.update { snapshot in
                            snapshot.subscribed = true
                            snapshot.state = .streaming
                            snapshot.successes += 1
                        }
                        try await sleepUntilCancelled()
                    }
                }
                // The first child to end (the reader at the socket's end, the conversation on a
                // timeout or refusal) ends the connection: the other is cancelled and awaited.
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            mailbox.fail(error)
            throw error
        }
    }

    private func makeTLSConfiguration() throws -> TLSConfiguration? {
        guard configuration.url.hasPrefix("wss://") else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        // A stop waits for the server's close_notify at most this long (NIO's default is 5 s).
        tls.shutdownTimeout = .milliseconds(500)
        if let caFile = configuration.tls?.ca_file {
            tls.trustRoots = .file(caFile)
        }
        return tls
    }
}

/// Waits until the task is cancelled (then throws `CancellationError`).
private func sleepUntilCancelled() async throws {
    while true { try await Task.sleep(for: .seconds(3600)) }
}

