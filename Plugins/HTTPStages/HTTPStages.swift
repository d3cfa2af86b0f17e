import SwitchyardKit

extension StageRegistry {
    /// Registers the HTTP stages: the `http` sink and the `http_server` source.
    public mutating func registerHTTPStages() {
        register(HTTPServerSource.self)
        register(HTTPSink.self)
    }
}
