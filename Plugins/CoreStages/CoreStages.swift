import SwitchyardKit

extension StageRegistry {
    /// Registers the core stages: `file`, `stdin` and `generator` sources; `stdout`, `file` and `blackhole` sinks.
    public mutating func registerCoreStages() {
        register(FileSource.self)
        register(StdinSource.self)
        register(GeneratorSource.self)
        register(StdoutSink.self)
        register(FileSink.self)
        register(BlackholeSink.self)
    }
}
