import SwitchyardKit

extension StageRegistry {
    /// Registers the `exec` source, transform and sink: programs in any language, spoken to in JSON lines.
    public mutating func registerExecStages() {
        register(ExecSource.self)
        register(ExecTransform.self)
        register(ExecSink.self)
    }
}
