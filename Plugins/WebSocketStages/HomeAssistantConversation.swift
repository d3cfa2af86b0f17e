import Logging
import Synchronization
import SwitchyardKit
import WSClient

/// One connection's conversation with Home Assistant, after the socket is open:
/// auth, coalescing, one subscription per event type, then heartbeats until the
/// connection fails. Owns the command ids, which restart at 1 per connection.
struct HomeAssistantConversation {
    let accessToken: String
    let eventTypes: [String]
    let authTimeout: Duration
    let heartbeatInterval: Duration
    let heartbeatTimeout: Duration
    /// Where `resync: states` puts its snapshot events; nil without resync.
    let snapshot: StateSnapshot?
    let mailbox: CommandMailbox
    let subscriptions: SubscriptionIDs
    let health: ConnectionHealth
    let logger: Logger

    /// Runs until the connection fails; never returns normally.
    func run(outbound: WebSocketOutboundWriter) async throws {
        var nextID = 0
        func send(_ message: JSONValue) async throws {
            try await outbound.write(.text(JSONWriter.string(message)))
        }
        func command(_ fields: JSONValue, _ what: String) async throws -> JSONValue {
            nextID += 1
            let id = nextID
            var message = fields
            message["id"] = .int(Int64(id))
            if case .string("subscribe_events")? = fields["type"] { subscriptions.insert(id) }
            try await send(message)
            let mailbox = self.mailbox
            return try await withDeadline(authTimeout, what) { try await mailbox.reply(to: id) }
        }

        health.update { $0.state = .authenticating }
        let mailbox = self.mailbox
        let greeting = try await withDeadline(authTimeout, "waiting for auth_required") { try await mailbox.control() }
        guard greeting["type"] == "auth_required" else {
            throw WebSocketSourceError.protocolViolation("expected auth_required, got \(JSONWriter.string(greeting))")
        }
        try await send(["type": "auth", "access_token": .string(accessToken)])
        let verdict = try await withDeadline(authTimeout, "waiting for auth_ok") { try await mailbox.control() }
        switch verdict["type"] {
        case "auth_ok": break
        case "auth_invalid": throw WebSocketSourceError.authInvalid(verdict["message"]?.stringValue ?? "invalid access token")
        default: throw WebSocketSourceError.protocolViolation("expected auth_ok, got \(JSONWriter.string(verdict))")
        }

        health.update { $0.state = .subscribing }
        let features = try await command(["type": "supported_features", "features": ["coalesce_messages": 1]], "supported_features")
        if features["success"] != true { logger.debug("server does not support coalesced messages") }
        for eventType in eventTypes.isEmpty ? [nil] : eventTypes.map(Optional.some) {
            var request: JSONValue = ["type": "subscribe_events"]
            if let eventType { request["event_type"] = .string(eventType) }
            let reply = try await command(request, "subscribe_events \(eventType ?? "(all)")")
            guard reply["success"] == true else {
                let reason = reply["error"]?["message"]?.stringValue ?? JSONWriter.string(reply)
                throw WebSocketSourceError.commandFailed("subscribe_events \(eventType ?? "(all)"): \(reason)")
            }
            health.update { $0.subscriptions += 1 }
        }
        health.update { snapshot in
            snapshot.subscribed = true
            snapshot.state = .streaming
            snapshot.successes += 1
        }
        logger.info("subscribed", metadata: ["event_types": "\(eventTypes.isEmpty ? ["(all)"] : eventTypes)"])
        if let snapshot {
            let reply = try await command(["type": "get_states"], "get_states")
            guard reply["success"] == true, case .array(let states)? = reply["result"] else {
                throw WebSocketSourceError.commandFailed("get_states: \(reply["error"]?["message"]?.stringValue ?? "no list of states")")
            }
            await snapshot.emit(states)
            logger.info("resynced", metadata: ["entities": "\(states.count)"])
        }

        while true {
            try await Task.sleep(for: heartbeatInterval)
            nextID += 1
            let id = nextID
            try await send(["id": .int(Int64(id)), "type": "ping"])
            _ = try await withDeadline(heartbeatTimeout, "waiting for pong") { try await mailbox.reply(to: id) }
        }
    }
}

/// The ids of this connection's `subscribe_events` commands: events carrying them are ours.
/// An id is added before its command is sent, since Home Assistant may send the
/// first event before the command's `result`.
final class SubscriptionIDs: Sendable {
    private let ids = Mutex<Set<Int>>([])
    func insert(_ id: Int) { _ = ids.withLock { $0.insert(id) } }
    func contains(_ id: Int) -> Bool { ids.withLock { $0.contains(id) } }
}
