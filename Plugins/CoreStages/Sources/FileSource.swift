import Foundation
import Logging
import SwitchyardKit

/// Reads events from a file, line by line; optionally follows it as it grows, is rotated or truncated.
public struct FileSource: Source {
    public struct Configuration: StageConfiguration {
        var path: String
        var format: InputFormat?
        var read_from: ReadFrom?
        var follow: Bool?
    }

    /// Where reading starts in the file that is there at startup.
    public enum ReadFrom: String, ConfigEnum {
        case beginning
        case end
    }

    public static let typeName = "file"
    public static let summary = "Reads events from a file, one per line; can follow it through rotation and truncation."
    public static let options = [
        StageOption("path", type: "string", required: true, "The file to read."),
        StageOption("format", type: InputFormat.valueList, default: "ndjson",
                    "ndjson: each line is a JSON value (bad lines are counted and logged); lines: each line becomes {\"message\": line}."),
        StageOption("read_from", type: ReadFrom.valueList, default: "beginning",
                    "Where to start in the file present at startup (unless a checkpoint in data_dir says where it stopped); files that appear after a rotation are read from the beginning."),
        StageOption("follow", type: "bool", default: "false",
                    "false: the source ends at the end of the file. true: keep reading as the file grows, follow rename-and-recreate rotation and truncation, until stopped."),
    ]
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
        let follow = configuration.follow ?? false
        var reader = try await open(waiting: follow)
        let checkpoints = context.dataDirectory
        if let directory = checkpoints, let saved = FileCheckpoint.load(from: directory), saved.device == reader.device,
            saved.inode == reader.inode, saved.offset <= reader.size
        {
            reader.seek(to: saved.offset)
            context.logger.info("resuming \(configuration.path) at byte \(saved.offset) (checkpoint in \(directory))")
        } else if configuration.read_from == .end {
            reader.seekToEnd()
        }
        var state = ReadState(decoder: LineDecoder(format: configuration.format ?? .ndjson, context: context,
                                                   inputName: configuration.path),
                              sourceID: context.id)
        var lastSave = ContinuousClock.now
        /// Records how far the source got, at most once a second (and always when `force`).
        func checkpoint(force: Bool = false) {
            guard let directory = checkpoints, force || ContinuousClock.now - lastSave >= .seconds(1) else { return }
            do {
                try reader.checkpoint(pendingBytes: state.splitter.pendingBytes).save(to: directory)
                lastSave = .now
            } catch {
                context.logger.warning("cannot save the checkpoint in \(directory): \(error)")
            }
        }
        defer { checkpoint(force: true) }

        while !Task.isCancelled {
            let chunk = try reader.readChunk()
            if !chunk.isEmpty {
                state.consume(chunk)
                await state.send(to: output)
                checkpoint()
                continue
            }
            // End of file.
            guard follow else {
                state.finishLine()
                await state.send(to: output)
                return
            }
            await state.send(to: output)
            switch reader.change() {
            case .none:
                try await Task.sleep(for: Self.pollInterval)
            case .truncated:
                context.logger.info("\(configuration.path) was truncated; reading from its start")
                state.splitter.reset()
                reader.rewind()
            case .replaced:
                // Rotation: drain what was written to the old file before the rename, then switch.
                while true {
                    let chunk = try reader.readChunk()
                    if chunk.isEmpty { break }
                    state.consume(chunk)
                    await state.send(to: output)
                }
                state.finishLine()
                await state.send(to: output)
                context.logger.info("\(configuration.path) was rotated; reading the new file")
                reader = try await open(waiting: true)
            }
        }
    }

    /// Opens the file; when following, waits for it to appear.
    private func open(waiting: Bool) async throws -> FileReader {
        var warned = false
        while true {
            if let reader = FileReader(path: configuration.path) { return reader }
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
    var splitter = LineSplitter()
    var events: [Event] = []
    let sourceID: String

    init(decoder: LineDecoder, sourceID: String) {
        self.decoder = decoder
        self.sourceID = sourceID
    }

    mutating func consume(_ bytes: [UInt8]) {
        let metadata = EventMetadata(sourceID: sourceID, receivedAt: Date().timeIntervalSince1970)
        splitter.split(bytes) { line, number in
            if let event = decoder.decode(line, lineNumber: number, metadata: metadata) { events.append(event) }
        }
    }

    mutating func finishLine() {
        let metadata = EventMetadata(sourceID: sourceID, receivedAt: Date().timeIntervalSince1970)
        splitter.finish { line, number in
            if let event = decoder.decode(line, lineNumber: number, metadata: metadata) { events.append(event) }
        }
    }

    /// Sends what was decoded so far as one batch (a read chunk of up to 1 MiB makes one batch).
    mutating func send(to output: SourceOutput) async {
        guard !events.isEmpty else { return }
        let batch = events
        events = []
        await output.send(batch)
    }
}
