import SwitchyardKit

extension StageRegistry {
    /// Registers the NATS stages: the `nats` source and the `nats` sink.
    public mutating func registerNATSStages() {
        register(NATSSource.self)
        register(NATSSink.self)
    }
}
