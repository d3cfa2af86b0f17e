import Foundation
import Logging
import SwitchyardKit

/// Reads events from a file, line by line; optionally follows it as it grows, is rotated or truncated.
public struct FileSource: Source {
    public struct Configuration: StageConfiguration {
        @Option("The file to read: a regular file. Anything else (a named pipe, a device, a directory) fails the source at once with what to use instead; read a pipe with the stdin source.")
        var path: String
        @Option("`ndjson`: each line is a JSON value; a line that is not JSON is skipped, counted (`errors=`) and logged with `path:line`. `lines`: each line becomes `{\"message\": \"<line>\"}`.")
        var format = InputFormat.ndjson
        @Option("Where to start in the file present at startup (unless a checkpoint in data_dir says where it stopped); files that appear after a rotation are read from the beginning.")
        var read_from = ReadFrom.beginning
        @Option("`false`: the source ends at the end of the file (a last line without newline is still read). `true`: keep reading as the file grows, follow rename-and-recreate rotation (the rest of the old file is read first) and truncation, until stopped; a missing file is waited for.")
        var follow = false
        @Option("A longer line is skipped up to its newline without ever being held in memory (a file with no newline at all, such as binary data, costs nothing), counted (`errors=`, `dropped=`) and logged with `path:line` and its byte offset.")
        var max_line_bytes = ConfigByteSize(bytes: LineSplitter.defaultMaxLineBytes)
        @Option("Bytes read at a time; the lines of one read travel as one batch, and a batch's events share its memory until the last of them is delivered. Larger reads cost fewer batches, smaller ones less memory (lines longer than this are still read whole).")
        var read_size = ConfigByteSize(bytes: ChunkReader.defaultReadSize)

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if max_line_bytes.bytes < 1 { problems.append(OptionProblem(option: "max_line_bytes", "must be at least 1 byte")) }
            if !ChunkReader.readSizes.contains(read_size.bytes) {
                problems.append(OptionProblem(option: "read_size", "must be between 4KiB and 64MiB"))
            }
            return problems
        }
    }

    /// Where reading starts in the file that is there at startup.
    public enum ReadFrom: String, ConfigEnum {
        case beginning
        case end
    }

    public static let typeName = "file"
    public static let summary = "Reads events from a file, one per line; can follow it through rotation and truncation."
    public static let example = """
        type: file
        path: /var/log/home/events.ndjson
        format: ndjson
        read_from: beginning
        follow: true
        """

    /// How often a followed file is checked for new data, rotation or truncation.
    static let pollInterval = Duration.milliseconds(100)
    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(output: SourceOutput) async throws {
        let follow = configuration.follow
        let readSize = configuration.read_size.bytes
        var reader = try await open(waiting: follow)
        let keeper = context.dataDirectory.map { CheckpointKeeper(directory: $0, logger: context.logger) }
        var state = ReadState(decoder: LineDecoder(format: configuration.format, context: context,
                                                   inputName: configuration.path),
                              splitter: LineSplitter(maxLineBytes: configuration.max_line_bytes.bytes),
                              context: context, keeper: keeper)
        if let directory = context.dataDirectory, let saved = FileCheckpoint.load(from: directory) {
            if reader.matches(saved) {
                reader.seek(to: saved.offset)
                context.logger.info("resuming \(configuration.path) at byte \(saved.offset) (checkpoint in \(directory))")
            } else {
                context.logger.info("the checkpoint in \(directory) is for another file (or a longer one); reading \(configuration.path) from its start")
                if configuration.read_from == .end { reader.seekToEnd() }
            }
        } else if configuration.read_from == .end {
            reader.seekToEnd()
        }
        state.splitter.reset(at: reader.offset)

        while !Task.isCancelled {
            let chunk = try reader.readChunk(maximum: readSize)
            if !chunk.isEmpty {
                await state.consume(chunk)
                await state.send(to: output, reader: &reader)
                continue
            }
            // End of file.
            guard follow else {
                state.finishLine()
                await state.send(to: output, reader: &reader, lineFinished: true)
                return
            }
            await state.send(to: output, reader: &reader)
            switch reader.change() {
            case .none:
                try await Task.sleep(for: Self.pollInterval)
            case .truncated:
                context.logger.info("\(configuration.path) was truncated; reading from its start")
                reader.rewind()
                state.splitter.reset(at: 0)
            case .replaced:
                // Rotation: drain what was written to the old file before the rename, then switch.
                while true {
                    let chunk = try reader.readChunk(maximum: readSize)
                    if chunk.isEmpty { break }
                    await state.consume(chunk)
                    await state.send(to: output, reader: &reader)
                }
                state.finishLine()
                await state.send(to: output, reader: &reader, lineFinished: true)
                context.logger.info("\(configuration.path) was rotated; reading the new file")
                reader = try await open(waiting: true)
                state.splitter.reset(at: 0)
            }
        }
    }

    /// Opens the file; when following, waits for it to appear.
    private func open(waiting: Bool) async throws -> FileReader {
        var warned = false
        while true {
            if let reader = try FileReader(path: configuration.path) { return reader }
            let reason = String(cString: strerror(errno))
            guard waiting else { throw ReadError(description: "cannot open \(configuration.path): \(reason)") }
            if !warned {
                context.logger.warning("waiting for \(configuration.path) to appear: \(reason)")
                warned = true
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }
}

/// Lines in progress and events waiting to be sent, for one file source.
private struct ReadState {
    var decoder: LineDecoder
    var splitter: LineSplitter
    var events: [Event] = []
    let context: StageContext
    let keeper: CheckpointKeeper?

    init(decoder: LineDecoder, splitter: LineSplitter, context: StageContext, keeper: CheckpointKeeper?) {
        self.decoder = decoder
        self.splitter = splitter
        self.context = context
        self.keeper = keeper
    }

    mutating func consume(_ bytes: [UInt8]) async {
        let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
        let limit = splitter.maxLineBytes
        let inputName = decoder.inputName
        var lines = PendingLines(decoder: decoder, metadata: metadata)
        splitter.split(bytes) { line, number in
            lines.append(line, number: number)
        } overlong: { [context] number, offset in
            context.problems.drop(because: "\(inputName):\(number): skipped a line longer than max_line_bytes (\(limit) bytes), starting at byte \(offset)")
        }
        events += await lines.events()
    }

    mutating func finishLine() {
        let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
        splitter.finish { line, number in
            if let event = decoder.decode(line, lineNumber: number, metadata: metadata) { events.append(event) }
        }
    }

    /// Sends what was decoded so far as one batch (one read of up to `read_size` makes one batch),
    /// tracked for the checkpoint: once acknowledged, the file is done up to the last whole line.
    mutating func send(to output: SourceOutput, reader: inout FileReader, lineFinished: Bool = false) async {
        let acknowledgement = keeper?.track(reader.checkpoint(pendingBytes: lineFinished ? 0 : splitter.pendingBytes))
        guard !events.isEmpty || acknowledgement != nil else { return }
        let batch = events
        events = []
        await output.send(batch, acknowledgement: acknowledgement)
    }
}
