#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SwitchyardKit

/// Reads events from standard input, one per line, until end of input.
public struct StdinSource: Source {
    public struct Configuration: StageConfiguration {
        var format: InputFormat?
    }

    public static let typeName = "stdin"
    public static let summary = "Reads events from standard input, one per line; ends at end of input."
    public static let options = [
        StageOption("format", type: InputFormat.valueList, default: "ndjson",
                    "ndjson: each line is a JSON value (bad lines are counted and logged); lines: each line becomes {\"message\": line}."),
    ]
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
        var decoder = LineDecoder(format: configuration.format ?? .ndjson, context: context, inputName: "stdin")
        var splitter = LineSplitter()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !Task.isCancelled {
            // Never block a shared thread on a quiet pipe: wait for data with a cancellable sleep.
            var poller = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) == 0 {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw ReadError(description: "cannot read stdin: \(String(cString: strerror(errno)))")
            }
            var events: [Event] = []
            let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
            let decode = { (line: UnsafeBufferPointer<UInt8>, number: Int) in
                if let event = decoder.decode(line, lineNumber: number, metadata: metadata) { events.append(event) }
            }
            if count == 0 {
                splitter.finish(decode)
                await output.send(events)
                return
            }
            buffer.withUnsafeBufferPointer { splitter.split(UnsafeBufferPointer(rebasing: $0[0..<count]), decode) }
            await output.send(events)
        }
    }
}
