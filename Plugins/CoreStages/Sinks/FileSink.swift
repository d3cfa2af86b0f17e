#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import SwitchyardKit

/// Appends events to a file, one JSON object per line; never writes a partial line.
public struct FileSink: Sink {
    public struct Configuration: StageConfiguration {
        var path: String
        var encoding: Encoding?
        var flush_interval: ConfigDuration?
        var fsync: Bool?
    }

    /// The file sink's encodings.
    public enum Encoding: String, ConfigEnum {
        case ndjson
    }

    public static let typeName = "file"
    public static let summary = "Appends events to a file as NDJSON; whole lines only, optional fsync."
    public static let options = [
        StageOption("path", type: "string", required: true, "The file to append to; missing directories are made."),
        StageOption("encoding", type: Encoding.valueList, default: "ndjson", "One compact JSON object per line."),
        StageOption("flush_interval", type: "duration", default: "1s",
                    "Longest time written events wait in memory under continuous load; an idle input is written at once."),
        StageOption("fsync", type: "bool", default: "false", "fsync the file after every write, for durability across power loss."),
    ]
    public static let example = """
        type: file
        inputs: [home]
        path: data/events.ndjson
        flush_interval: 1s
        fsync: false
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(input: SinkInput) async throws {
        let path = configuration.path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw WriteError(target: path, errno: errno) }
        defer { close(descriptor) }
        try endPartialLine(descriptor)

        let sync = configuration.fsync ?? false
        let loop = LineSinkLoop(encoding: .ndjson, flushInterval: configuration.flush_interval?.duration ?? .seconds(1),
                                metrics: context.metrics)
        try await loop.run(input: input) { bytes in
            try FileDescriptorWriter.writeAll(bytes, to: descriptor, target: path)
            if sync, fsync(descriptor) != 0 { throw WriteError(target: path, errno: errno) }
        }
    }

    /// If an earlier writer died mid-line, ends that line so ours start clean.
    private func endPartialLine(_ descriptor: Int32) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return }
        let reader = open(configuration.path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return }
        defer { close(reader) }
        var last: UInt8 = 0
        guard pread(reader, &last, 1, off_t(info.st_size - 1)) == 1, last != 0x0A else { return }
        context.logger.warning("\(configuration.path) ended in a partial line; starting on a new line")
        try FileDescriptorWriter.writeAll([0x0A], to: descriptor, target: configuration.path)
    }
}
