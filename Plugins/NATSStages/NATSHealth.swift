import Synchronization
import SwitchyardKit

/// What a nats stage shows in `/health` and `/metrics`: connection, pending acknowledgements,
/// redeliveries, the last error.
final class NATSHealth: Sendable {
    private struct State {
        var connected = false
        var pendingAcks = 0
        var redeliveries = 0
        var reconnects = 0
        var lastError: String?
    }

    private let state = Mutex(State())

    func connected(_ value: Bool) { state.withLock { $0.connected = value } }
    func reconnected() { state.withLock { $0.reconnects += 1 } }
    func failed(_ error: String) { state.withLock { $0.lastError = error } }
    func pendingAcks(_ delta: Int) { state.withLock { $0.pendingAcks += delta } }
    func redelivered(_ count: Int) { state.withLock { $0.redeliveries += count } }

    var isConnected: Bool { state.withLock { $0.connected } }

    func details() -> JSONObject {
        let snapshot = state.withLock { $0 }
        var object = JSONObject()
        object["connected"] = .bool(snapshot.connected)
        object["pending_acks"] = .int(Int64(snapshot.pendingAcks))
        object["redeliveries"] = .int(Int64(snapshot.redeliveries))
        object["reconnects"] = .int(Int64(snapshot.reconnects))
        object["last_error"] = snapshot.lastError.map { .string($0) } ?? .null
        return object
    }

    func samples() -> [MetricSample] {
        let snapshot = state.withLock { $0 }
        return [
            MetricSample("nats_connected", .gauge, help: "1 while connected to NATS.", value: snapshot.connected ? 1 : 0),
            MetricSample("nats_pending_acks", .gauge, help: "Messages awaiting their acknowledgement.", value: Double(snapshot.pendingAcks)),
            MetricSample("nats_redeliveries_total", .counter, help: "Messages JetStream delivered more than once.", value: Double(snapshot.redeliveries)),
            MetricSample("nats_reconnects_total", .counter, help: "Connections made after the first.", value: Double(snapshot.reconnects)),
        ]
    }
}
