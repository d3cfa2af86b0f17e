import SwitchyardKit

/// Counts events and discards them; for benchmarks and for outputs you mean to throw away.
public struct BlackholeSink: Sink {
    public struct Configuration: StageConfiguration {
        public init() {}
    }

    public static let typeName = "blackhole"
    public static let summary = "Counts events and discards them."
    public static let example = """
        type: blackhole
        inputs: [home]
        """

    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.context = context
    }

    public func run(input: SinkInput) async throws {
        for await batch in input {
            context.metrics.addOut(batch.count)
            input.receipt().acknowledge()
        }
    }
}
