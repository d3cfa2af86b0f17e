import SwitchyardKit

extension StageRegistry {
    /// Registers the core stages: `file`, `stdin` and `generator` sources; `filter`, `remap`, `route`,
    /// `sample`, `throttle` and `dedupe` transforms; `stdout`, `file` and `blackhole` sinks.
    public mutating func registerCoreStages() {
        register(FileSource.self)
        register(StdinSource.self)
        register(GeneratorSource.self)
        register(FilterTransform.self)
        register(RemapTransform.self)
        register(RouteTransform.self)
        register(SampleTransform.self)
        register(ThrottleTransform.self)
        register(DedupeTransform.self)
        register(StdoutSink.self)
        register(FileSink.self)
        register(BlackholeSink.self)
    }
}
