import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import NIOCore
import NIOWebSocket
import Synchronization
import SwitchyardAPI
import SwitchyardKit

/// A WebSocket server on 127.0.0.1 that speaks Home Assistant's protocol and injects faults.
///
/// It records what a correct client must never do: more than one connection at a time,
/// a second subscription for an event type on one connection, commands before auth.
final class FakeHomeAssistant: Sendable {
    /// Faults the test can switch on and off.
    /// Where a connection stops answering, keeping its socket open.
    enum Stall: String, Sendable, CustomStringConvertible {
        /// No `auth_required` after the upgrade.
        case greeting
        /// No answer to `auth`.
        case authReply
        /// `auth_ok`, then no `result` for any command.
        case commandReply

        var description: String { rawValue }
    }

    struct Faults: Sendable {
        var stallAt: Stall?
        var rejectToken = false
        var failSubscribe = false
        /// Answer nothing (no pong), send nothing; keep the socket open.
        var stall = false
        /// Delay before accepting the WebSocket upgrade.
        var acceptDelay: Duration = .zero
        /// Refuse upgrades (the server is "down").
        var refuse = false
        /// Send events as coalesced arrays.
        var coalesce = false
    }

    /// What the server saw, for assertions.
    struct Record: Sendable {
        var connections = 0
        var openConnections = 0
        var maxOpenConnections = 0
        /// Highest number of subscribe_events for one event type on one connection.
        var maxSubscriptionsPerType = 0
        var subscribeCommands = 0
        var commandsBeforeAuth = 0
        var idReuse = 0
        /// The first command id of every connection (Home Assistant expects ids to restart at 1).
        var firstCommandIDs: Set<Int> = []
        var sentSequences: [Int] = []
        /// The User-Agent of every upgrade request.
        var userAgents: [String] = []
        var getStatesCommands = 0
    }

    private final class Connection: Sendable {
        let number: Int
        let outbound: WebSocketOutboundWriter
        let channel: any Channel
        struct State {
            var authenticated = false
            /// Event type ("*" for all) -> the subscription's id.
            var subscriptions: [String: Int] = [:]
            /// Event type -> how many subscribe_events this connection sent for it.
            var subscriptionCount: [String: Int] = [:]
            var lastID = 0
        }
        let state = Mutex(State())

        init(number: Int, outbound: WebSocketOutboundWriter, channel: any Channel) {
            self.number = number
            self.outbound = outbound
            self.channel = channel
        }
    }

    let token: String
    /// When set, the server speaks wss:// with this certificate.
    let tls: TLSConfiguration?
    private let faults = Mutex(Faults())
    private let record = Mutex(Record())
    private let connections = Mutex<[Int: Connection]>([:])
    private let port = Mutex<Int?>(nil)
    private let sequence = Atomic<Int>(0)
    private let fixedPort: Int
    /// What `get_states` answers: entity id -> state.
    private let states = Mutex<[String: String]>(["light.kitchen": "off", "sensor.door": "closed"])

    init(token: String = "good-token", tls: TLSConfiguration? = nil, port: Int = 0) {
        self.token = token
        self.tls = tls
        self.fixedPort = port
        if port != 0 { self.port.withLock { $0 = port } }
    }

    /// Changes an entity's state (seen by the next `get_states`).
    func setState(_ entity: String, _ state: String) { states.withLock { $0[entity] = state } }

    var snapshot: Record { record.withLock { $0 } }
    func setFaults(_ change: (inout Faults) -> Void) { faults.withLock { change(&$0) } }
    var url: String {
        let port = self.port.withLock { $0 } ?? 0
        // For wss the name must match the certificate: localhost, not 127.0.0.1.
        return tls == nil ? "ws://127.0.0.1:\(port)/api/websocket" : "wss://localhost:\(port)/api/websocket"
    }

    /// Runs the server until cancelled; `ready` is called once it listens.
    func run(ready: @escaping @Sendable () -> Void) async throws {
        let upgrade = HTTPServerBuilder.http1WebSocketUpgrade { [self] request, channel, _ in
            let faults = self.faults.withLock { $0 }
            self.record.withLock { $0.userAgents.append(request.headerFields[.userAgent] ?? "") }
            if faults.acceptDelay > .zero { try await Task.sleep(for: faults.acceptDelay) }
            if faults.refuse || request.path != "/api/websocket" { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in
                try await self.serve(inbound: inbound, outbound: outbound, channel: channel)
            }
        }
        let app = Application(
            router: Router(),
            server: try tls.map { try .tls(upgrade, tlsConfiguration: $0) } ?? upgrade,
            configuration: .init(address: .hostname("127.0.0.1", port: fixedPort)),
            onServerRunning: { [self] channel in
                self.port.withLock { $0 = channel.localAddress?.port }
                ready()
            },
            logger: QuietingLogHandler.logger(Logger(label: "fake-home-assistant"), quieting: [
                "Server shutdown error: Already closed", "Waiting on child channel: CancellationError",
                // A client cut off mid-upgrade (the stall and reconnect tests do it on purpose).
                "Error handling upgrade result",
            ])
        )
        // Stopped gracefully: cancelled while clients still connect, NIO would stop the test process.
        try await GracefulServer(app, stopGrace: .seconds(1), logger: app.logger).run()
    }

    /// Starts the server in `group`; returns once it listens.
    func start(in group: inout ThrowingTaskGroup<Void, any Error>) async throws {
        let listening = AsyncStream<Void>.makeStream()
        group.addTask { try await self.run { listening.continuation.yield() } }
        var iterator = listening.stream.makeAsyncIterator()
        _ = await iterator.next()
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        let number = record.withLock { record -> Int in
            record.connections += 1
            record.openConnections += 1
            record.maxOpenConnections = max(record.maxOpenConnections, record.openConnections)
            return record.connections
        }
        let connection = Connection(number: number, outbound: outbound, channel: channel)
        connections.withLock { $0[number] = connection }
        defer {
            connections.withLock { $0[number] = nil }
            record.withLock { $0.openConnections -= 1 }
        }
        if faults.withLock({ $0.stallAt }) != .greeting {
            try await outbound.write(.text(#"{"type":"auth_required","ha_version":"2024.3.0"}"#))
        }
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message, let value = try? JSONParser().parse(text) else { continue }
            try await handle(value, on: connection)
        }
    }

    private func handle(_ message: JSONValue, on connection: Connection) async throws {
        let faults = self.faults.withLock { $0 }
        if faults.stall || faults.stallAt == .greeting { return }
        if faults.stallAt == .authReply, message["type"] == "auth" { return }
        let authenticated = connection.state.withLock { $0.authenticated }
        if message["type"] == "auth" {
            if message["access_token"]?.stringValue == token, !faults.rejectToken {
                connection.state.withLock { $0.authenticated = true }
                try await connection.outbound.write(.text(#"{"type":"auth_ok","ha_version":"2024.3.0"}"#))
            } else {
                try await connection.outbound.write(.text(#"{"type":"auth_invalid","message":"Invalid access token or password"}"#))
                try await connection.outbound.close(.normalClosure, reason: nil)
            }
            return
        }
        guard authenticated else {
            record.withLock { $0.commandsBeforeAuth += 1 }
            return
        }
        guard case .int(let id)? = message["id"] else { return }
        if faults.stallAt == .commandReply { return }
        let (reused, first) = connection.state.withLock { state -> (Bool, Bool) in
            defer { state.lastID = max(state.lastID, Int(id)) }
            return (Int(id) <= state.lastID, state.lastID == 0)
        }
        if first { record.withLock { _ = $0.firstCommandIDs.insert(Int(id)) } }
        if reused {
            record.withLock { $0.idReuse += 1 }
            try await reply(connection, #"{"id":\#(id),"type":"result","success":false,"error":{"code":"id_reuse","message":"Identifier values have to increase."}}"#)
            return
        }
        switch message["type"]?.stringValue {
        case "supported_features":
            try await reply(connection, #"{"id":\#(id),"type":"result","success":true,"result":null}"#)
        case "subscribe_events":
            let eventType = message["event_type"]?.stringValue ?? "*"
            record.withLock { $0.subscribeCommands += 1 }
            if faults.failSubscribe {
                try await reply(connection, #"{"id":\#(id),"type":"result","success":false,"error":{"code":"unknown_error","message":"Injected failure"}}"#)
                return
            }
            let count = connection.state.withLock { state -> Int in
                state.subscriptions[eventType] = Int(id)
                state.subscriptionCount[eventType, default: 0] += 1
                return state.subscriptionCount[eventType]!
            }
            record.withLock { $0.maxSubscriptionsPerType = max($0.maxSubscriptionsPerType, count) }
            try await reply(connection, #"{"id":\#(id),"type":"result","success":true,"result":null}"#)
        case "ping":
            try await reply(connection, #"{"id":\#(id),"type":"pong"}"#)
        case "get_states":
            record.withLock { $0.getStatesCommands += 1 }
            let list = states.withLock { $0 }.sorted { $0.key < $1.key }.map { entity, state in
                #"{"entity_id":"\#(entity)","state":"\#(state)","attributes":{},"last_changed":"2024-03-01T12:00:00+00:00"}"#
            }
            try await reply(connection, #"{"id":\#(id),"type":"result","success":true,"result":[\#(list.joined(separator: ","))]}"#)
        default:
            try await reply(connection, #"{"id":\#(id),"type":"result","success":false,"error":{"code":"unknown_command","message":"Unknown command."}}"#)
        }
    }

    private func reply(_ connection: Connection, _ text: String) async throws {
        try await connection.outbound.write(.text(text))
    }

    /// Sends `count` state_changed events to every connection subscribed to them; returns their sequence numbers.
    @discardableResult
    func sendEvents(_ count: Int, eventType: String = "state_changed") async throws -> [Int] {
        let targets = connections.withLock { Array($0.values) }
        let coalesce = faults.withLock { $0.coalesce }
        var sent: [Int] = []
        for connection in targets {
            guard let id = connection.state.withLock({ $0.subscriptions[eventType] ?? $0.subscriptions["*"] }) else { continue }
            var messages: [String] = []
            for _ in 0..<count {
                let seq = sequence.add(1, ordering: .relaxed).newValue
                sent.append(seq)
                messages.append(#"{"id":\#(id),"type":"event","event":{"event_type":"\#(eventType)","data":{"entity_id":"sensor.fake","seq":\#(seq),"new_state":{"state":"\#(seq % 40)"}},"origin":"LOCAL","time_fired":"2024-03-01T12:00:00+00:00","context":{"id":"c\#(seq)","parent_id":null,"user_id":null}}}"#)
            }
            if coalesce {
                // 200 events a frame: about 60 KB, well past the 16 KB default frame limit of WebSocket clients.
                for chunk in stride(from: 0, to: messages.count, by: 200) {
                    let part = messages[chunk..<min(chunk + 200, messages.count)]
                    try await connection.outbound.write(.text("[" + part.joined(separator: ",") + "]"))
                }
            } else {
                for message in messages { try await connection.outbound.write(.text(message)) }
            }
        }
        record.withLock { $0.sentSequences += sent }
        return sent
    }

    /// Sends one frame, made by `frame` from the subscription id, to every connection subscribed
    /// to `eventType`: as text, or as a binary frame.
    func sendFrame(eventType: String = "state_changed", binary: Bool = false, _ frame: @Sendable (Int) -> String) async throws {
        let targets = connections.withLock { Array($0.values) }
        for connection in targets {
            guard let id = connection.state.withLock({ $0.subscriptions[eventType] }) else { continue }
            let text = frame(id)
            try await connection.outbound.write(binary ? .binary(ByteBuffer(string: text)) : .text(text))
        }
    }

    /// Drops every connection without a close frame (like Home Assistant stopping: TCP ends, 1006).
    func dropConnections() async {
        let targets = connections.withLock { Array($0.values) }
        for connection in targets { try? await connection.channel.close() }
    }

    /// Whether a connection has confirmed subscriptions for all of `eventTypes`.
    func isSubscribed(_ eventTypes: [String]) -> Bool {
        connections.withLock { connections in
            connections.values.contains { connection in
                connection.state.withLock { state in eventTypes.allSatisfy { state.subscriptions[$0] != nil } }
            }
        }
    }
}
