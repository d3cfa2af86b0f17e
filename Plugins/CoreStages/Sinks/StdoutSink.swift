#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwitchyardKit

/// Writes events to standard output (logs go to standard error, never here).
public struct StdoutSink: Sink {
    public struct Configuration: StageConfiguration {
        @Option("ndjson: one compact JSON object per line; json: indented JSON; text: the `message` field as a line.")
        var encoding = OutputEncoding.ndjson

        public init() {}
    }

    public static let typeName = "stdout"
    public static let summary = "Writes events to standard output."
    public static let example = """
        type: stdout
        inputs: [home]
        encoding: ndjson
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(input: SinkInput) async throws {
        let loop = LineSinkLoop(encoding: configuration.encoding, flushInterval: .milliseconds(200),
                                metrics: context.metrics)
        try await loop.run(input: input) { _ in "stdout" } write: { _, bytes in
            try FileDescriptorWriter.writeAll(bytes, to: STDOUT_FILENO, target: "stdout")
        }
    }
}
