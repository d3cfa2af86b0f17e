import Foundation
import SwitchyardKit

/// Appends events as NDJSON to a file, and rotates it when it would grow past `max_bytes`:
/// `path` becomes `path.1`, `path.1` becomes `path.2`... and the oldest beyond `max_files` is deleted.
public struct RotatingFileSink: Sink {
    public struct Configuration: StageConfiguration {
        @Option("The file written to; rotated files get `.1`, `.2`... appended.")
        var path: String
        @Option("A file is rotated before it would grow past this size.")
        var max_bytes = ConfigByteSize(bytes: 10 << 20)
        @Option("Rotated files kept besides the current one.", minimum: 1)
        var max_files = 5

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if max_files < 1 { problems.append(OptionProblem(option: "max_files", "must be at least 1")) }
            if max_bytes.bytes < 1 { problems.append(OptionProblem(option: "max_bytes", "must be at least 1 byte")) }
            return problems
        }
    }

    public static let typeName = "rotating_file"
    public static let summary = "Appends events as NDJSON to a file rotated by size, keeping max_files old ones."
    public static let example = """
        type: rotating_file
        inputs: [requests]
        path: out/events.ndjson
        max_bytes: 1MB
        max_files: 3
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    /// Writes each batch, then acknowledges it: after `run` returns or a crash, what was
    /// acknowledged is in the files.
    public func run(input: SinkInput) async throws {
        let directory = (configuration.path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var file = try open()
        var size = try file.seekToEnd()
        defer { try? file.close() }
        for await batch in input {
            var bytes: [UInt8] = []
            for event in batch.events {
                let start = bytes.count
                event.writeJSON(into: &bytes)
                bytes.append(UInt8(ascii: "\n"))
                // Rotate before the line that would cross the limit, so a line never straddles two files.
                if size + UInt64(bytes.count) > UInt64(configuration.max_bytes.bytes), size + UInt64(start) > 0 {
                    try file.write(contentsOf: bytes[..<start])
                    try file.close()
                    try rotate()
                    file = try open()
                    bytes.removeFirst(start)
                    size = 0
                }
            }
            try file.write(contentsOf: bytes)
            size += UInt64(bytes.count)
            context.metrics.addOut(batch.count)
            input.receipt().acknowledge()
        }
    }

    private func open() throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: configuration.path) {
            FileManager.default.createFile(atPath: configuration.path, contents: nil)
        }
        return try FileHandle(forWritingTo: URL(fileURLWithPath: configuration.path))
    }

    private func rotate() throws {
        let manager = FileManager.default
        let path = configuration.path
        try? manager.removeItem(atPath: "\(path).\(configuration.max_files)")
        for index in stride(from: configuration.max_files - 1, through: 1, by: -1) where manager.fileExists(atPath: "\(path).\(index)") {
            try manager.moveItem(atPath: "\(path).\(index)", toPath: "\(path).\(index + 1)")
        }
        try manager.moveItem(atPath: path, toPath: "\(path).1")
    }
}
