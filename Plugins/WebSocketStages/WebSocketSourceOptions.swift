import SwitchyardKit

/// Which conversation the WebSocket source holds with the server.
public enum WebSocketProtocol: String, ConfigEnum {
    /// Home Assistant's WebSocket API: auth, subscribe_events, ping/pong, coalesced frames.
    case home_assistant
    /// Any server: send `on_connect` messages, turn every frame into an event.
    case raw
}

/// How raw frames become events.
public enum WebSocketDecoding: String, ConfigEnum {
    /// A frame is one JSON value (a non-JSON frame is counted as an error).
    case json
    /// A frame becomes `{"message": "<text>"}`.
    case text
}

/// What the source does after each reconnect to make up for what it missed while away.
public enum WebSocketResync: String, ConfigEnum {
    /// Nothing: events of the gap are gone (Home Assistant does not replay).
    case none
    /// `get_states` once subscribed: one `switchyard_state_snapshot` event per entity.
    case states
}

/// What the reader does when the pipeline is behind.
public enum WebSocketWhenFull: String, ConfigEnum {
    /// Stop reading until there is room (the server may then drop the connection).
    case block
    /// Keep reading, dropping (and counting) the oldest waiting events.
    case drop_oldest
}

/// `heartbeat: { interval, timeout }`.
struct HeartbeatOptions: Decodable, Sendable {
    var interval: ConfigDuration?
    var timeout: ConfigDuration?
}

/// `reconnect: { initial_delay, max_delay, multiplier, jitter, reset_after }`.
struct ReconnectOptions: Decodable, Sendable {
    var initial_delay: ConfigDuration?
    var max_delay: ConfigDuration?
    var multiplier: Double?
    var jitter: Double?
    var reset_after: ConfigDuration?
    var unreachable_interval: ConfigDuration?
}

/// `tls: { ca_file }`.
struct TLSOptions: Decodable, Sendable {
    var ca_file: String?
}
