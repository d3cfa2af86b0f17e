import Foundation
import Synchronization

/// Where a sink puts events it could not deliver (an HTTP batch refused, a row the table
/// refused): as NDJSON lines, appended, so that a `file` source can replay them.
public final class DeadLetterFile: Sendable {
    /// The file appended to; made, with its directory, at the first append.
    public let path: String
    private let lock = Mutex(())

    /// A dead-letter file at `path`.
    public init(path: String) { self.path = path }

    /// Appends `events`, one JSON line each.
    public func append(_ events: [Event]) throws {
        var bytes: [UInt8] = []
        for event in events {
            event.writeJSON(into: &bytes)
            bytes.append(0x0A)
        }
        try lock.withLock { _ in
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }  // a failure shows at the open below
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(bytes))
        }
    }
}

/// A sink's `dead_letter: { path }` option.
public struct DeadLetterOptions: OptionGroup {
    /// The NDJSON file undeliverable events are appended to.
    @Option("The NDJSON file undeliverable events are appended to.")
    public var path: String

    public init() {}
}
