import Foundation
import Synchronization
import SwitchyardKit

/// The WebSocket source's live state and counters, read by `/health` and `/metrics`.
///
/// `listeners` counts readers of the current socket; the source's structure
/// keeps it at 0 or 1, and `maxListeners` records the highest value ever seen so
/// that tests (and operators) can check that it never went above 1.
final class ConnectionHealth: Sendable {
    /// Where the connection is in its life.
    enum State: String, Sendable {
        case connecting, authenticating, subscribing, streaming, backing_off, stopped
    }

    struct Snapshot: Sendable {
        var state: State = .connecting
        var connected = false
        var subscribed = false
        var listeners = 0
        var maxListeners = 0
        var generation = 0
        var eventsSession = 0
        var eventsTotal = 0
        var lastEventAt: Double?
        var attempts = 0
        var successes = 0
        var failures = 0
        var reconnects = 0
        var dropped = 0
        var subscriptions = 0
        var lastError: String?
        var lastErrorAt: Double?
        /// Events per second over the last minute, oldest first: (second, count).
        var recent: [(second: Int, count: Int)] = []
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }

    /// A new connection attempt begins: a new generation.
    func beginAttempt() -> Int {
        state.withLock { snapshot in
            snapshot.attempts += 1
            if snapshot.generation > 0 { snapshot.reconnects += 1 }
            snapshot.generation += 1
            snapshot.state = .connecting
            snapshot.eventsSession = 0
            return snapshot.generation
        }
    }

    func readerStarted() {
        state.withLock { snapshot in
            snapshot.listeners += 1
            snapshot.maxListeners = max(snapshot.maxListeners, snapshot.listeners)
        }
    }

    func readerEnded() { state.withLock { $0.listeners -= 1 } }

    func received(_ count: Int) {
        let now = Date().timeIntervalSince1970
        let second = Int(now)
        state.withLock { snapshot in
            snapshot.eventsSession += count
            snapshot.eventsTotal += count
            snapshot.lastEventAt = now
            if let last = snapshot.recent.last, last.second == second {
                snapshot.recent[snapshot.recent.count - 1].count += count
            } else {
                snapshot.recent.append((second, count))
            }
            snapshot.recent.removeAll { $0.second <= second - 60 }
        }
    }

    /// The connection ended; `error` says why, when it was not a clean stop.
    func connectionEnded(error: String?) {
        state.withLock { snapshot in
            snapshot.connected = false
            snapshot.subscribed = false
            snapshot.subscriptions = 0
            if let error {
                snapshot.lastError = error
                snapshot.lastErrorAt = Date().timeIntervalSince1970
                snapshot.failures += 1
            }
        }
    }

    func details(eventTypes: [String]) -> JSONObject {
        let snapshot = snapshot
        let now = Int(Date().timeIntervalSince1970)
        let perMinute = snapshot.recent.filter { $0.second > now - 60 }.reduce(0) { $0 + $1.count }
        var object = JSONObject()
        object["state"] = .string(snapshot.state.rawValue)
        object["connected"] = .bool(snapshot.connected)
        object["subscribed"] = .bool(snapshot.subscribed)
        object["listeners"] = .int(Int64(snapshot.listeners))
        object["max_listeners"] = .int(Int64(snapshot.maxListeners))
        object["connection_generation"] = .int(Int64(snapshot.generation))
        object["subscriptions"] = .int(Int64(snapshot.subscriptions))
        object["events_session"] = .int(Int64(snapshot.eventsSession))
        object["events_total"] = .int(Int64(snapshot.eventsTotal))
        object["events_per_minute"] = .int(Int64(perMinute))
        object["last_event_at"] = snapshot.lastEventAt.map { .string(RFC3339.string(fromSeconds: $0)) } ?? .null
        object["connection_attempts"] = .int(Int64(snapshot.attempts))
        object["successful_connections"] = .int(Int64(snapshot.successes))
        object["failed_connections"] = .int(Int64(snapshot.failures))
        object["reconnects"] = .int(Int64(snapshot.reconnects))
        object["dropped_events"] = .int(Int64(snapshot.dropped))
        object["last_error"] = snapshot.lastError.map { .string($0) } ?? .null
        object["last_error_at"] = snapshot.lastErrorAt.map { .string(RFC3339.string(fromSeconds: $0)) } ?? .null
        if !eventTypes.isEmpty { object["event_types"] = .array(eventTypes.map { .string($0) }) }
        return object
    }

    func samples() -> [MetricSample] {
        let snapshot = snapshot
        var samples = [
            MetricSample("websocket_listeners", .gauge, help: "Readers of the source's socket (0 or 1).", value: Double(snapshot.listeners)),
            MetricSample("websocket_connected", .gauge, help: "1 while the source is connected.", value: snapshot.connected ? 1 : 0),
            MetricSample("websocket_subscribed", .gauge, help: "1 while every subscription is confirmed.", value: snapshot.subscribed ? 1 : 0),
            MetricSample("websocket_connection_generation", .gauge, help: "The number of the current connection attempt.", value: Double(snapshot.generation)),
            MetricSample("websocket_reconnects_total", .counter, help: "Connections started after the first.", value: Double(snapshot.reconnects)),
            MetricSample("websocket_connection_failures_total", .counter, help: "Connections that ended with an error.", value: Double(snapshot.failures)),
            MetricSample("websocket_dropped_events_total", .counter, help: "Events dropped by the reader (when_full: drop_oldest).", value: Double(snapshot.dropped)),
        ]
        for state in [State.connecting, .authenticating, .subscribing, .streaming, .backing_off, .stopped] {
            samples.append(MetricSample("websocket_connection_state", .gauge, help: "1 for the connection's current state.",
                                        labels: ["state": state.rawValue], value: snapshot.state == state ? 1 : 0))
        }
        return samples
    }
}
