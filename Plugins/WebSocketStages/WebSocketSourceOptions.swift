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
struct HeartbeatOptions: OptionGroup {
    @Option("How often the connection is checked.")
    var interval = ConfigDuration(.seconds(30))
    @Option("home_assistant: how long the pong may take.")
    var timeout = ConfigDuration(.seconds(10))

    init() {}
}

/// `reconnect: { initial_delay, max_delay, multiplier, jitter, reset_after }`.
struct ReconnectOptions: OptionGroup {
    @Option("The first wait after a connection the server accepted ended.")
    var initial_delay = ConfigDuration(.seconds(1))
    @Option("The longest wait (also the wait after auth_invalid or HTTP 401/403).")
    var max_delay = ConfigDuration(.seconds(60))
    @Option("Each further failure multiplies the wait by this (at least 1).", minimum: 1)
    var multiplier = 2.0
    @Option("Each wait varies randomly by up to this share (0 to 1).", minimum: 0)
    var jitter = 0.2
    @Option("A connection that streamed this long resets the wait to initial_delay.")
    var reset_after = ConfigDuration(.seconds(30))
    @Option("The wait while the server refuses connections or cannot be reached.")
    var unreachable_interval = ConfigDuration(.seconds(1))

    init() {}
}

/// `tls: { ca_file }`.
struct TLSOptions: OptionGroup {
    @Option("A CA bundle (PEM) trusted besides the system's.")
    var ca_file: String?

    init() {}
}
