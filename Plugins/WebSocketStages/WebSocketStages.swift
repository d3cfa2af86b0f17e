import SwitchyardKit

extension StageRegistry {
    /// Registers the WebSocket stages: the `websocket` source.
    public mutating func registerWebSocketStages() {
        register(WebSocketSource.self)
    }
}
