#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import SwitchyardKit

/// Reads events from standard input, one per line, until end of input.
public struct StdinSource: Source {
    public struct Configuration: StageConfiguration {
        @Option("ndjson: each line is a JSON value (bad lines are counted and logged); lines: each line becomes {\"message\": line}.")
        var format = InputFormat.ndjson
        @Option("A longer line is skipped up to its newline without being held in memory; counted as an error and logged with its offset.")
        var max_line_bytes = ConfigByteSize(bytes: LineSplitter.defaultMaxLineBytes)

        public init() {}

        public func problems() -> [OptionProblem] {
            if max_line_bytes.bytes < 1 { return [OptionProblem(option: "max_line_bytes", "must be at least 1 byte")] }
            return []
        }
    }

    public static let typeName = "stdin"
    public static let summary = "Reads events from standard input, one per line; ends at end of input."
    public static let example = """
        type: stdin
        format: lines
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(output: SourceOutput) async throws {
        let decoder = LineDecoder(format: configuration.format, context: context, inputName: "stdin")
        var splitter = LineSplitter(maxLineBytes: configuration.max_line_bytes.bytes)
        while !Task.isCancelled {
            // Never block a shared thread on a quiet pipe: wait for data with a cancellable sleep.
            var poller = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) == 0 {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let chunk = try ChunkReader.read(STDIN_FILENO, maximum: ChunkReader.defaultReadSize, name: "stdin")
            var events: [Event] = []
            let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
            let decode = { (line: ArraySlice<UInt8>, number: Int) in
                if let event = decoder.decode(line, lineNumber: number, metadata: metadata) { events.append(event) }
            }
            if chunk.isEmpty {
                splitter.finish(decode)
                await output.send(events)
                return
            }
            let limit = splitter.maxLineBytes
            var lines = PendingLines(decoder: decoder, metadata: metadata)
            splitter.split(chunk, { lines.append($0, number: $1) }) { [context] number, offset in
                context.problems.drop(because: "stdin:\(number): skipped a line longer than max_line_bytes (\(limit) bytes), starting at byte \(offset)")
            }
            // A large read's lines are checked on two tasks, as in the file source.
            events = await lines.events()
            await output.send(events)
        }
    }
}
