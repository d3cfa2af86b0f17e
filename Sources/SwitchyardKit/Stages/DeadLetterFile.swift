import Foundation
import Synchronization

/// Where a sink puts events it could not deliver (an HTTP batch refused, a row the table
/// refused): as NDJSON lines, appended, so that a `file` source can replay them.
///
/// The file only ever holds whole lines. A write that fails (a full disk) is cut back to the
/// file's length before it, and a file that ends in a partial line (a crash mid-write) is cut
/// back to its last newline when first appended to: the torn events were never acknowledged,
/// so they are sent again and come back whole.
public final class DeadLetterFile: Sendable {
    /// The file appended to; made, with its directory, at the first append.
    public let path: String
    /// Whether this process has checked the file's last line.
    private let checked = Mutex(false)

    /// A dead-letter file at `path`.
    public init(path: String) { self.path = path }

    /// Appends `events`, one JSON line each; throws ``WriteError`` and leaves the file as it
    /// was when they cannot all be written.
    public func append(_ events: [Event]) throws {
        var bytes: [UInt8] = []
        for event in events {
            event.writeJSON(into: &bytes)
            bytes.append(0x0A)
        }
        try append(lines: bytes)
    }

    /// Appends `bytes`, which must be whole JSON lines, each ending in a newline (what
    /// ``append(_:)`` writes for events); throws ``WriteError`` and leaves the file as it was
    /// when they cannot all be written.
    public func append(lines bytes: [UInt8]) throws {
        try checked.withLock { checked in
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)  // not O_WRONLY: that waits for a reader on a pipe
            guard descriptor >= 0 else { throw WriteError(target: path, errno: errno) }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw WriteError(target: path, errno: errno) }
            let type = info.st_mode & S_IFMT
            guard type != S_IFIFO && type != S_IFSOCK else { throw NotAFile(path: path) }
            if !checked {
                try cutPartialLine(descriptor)
                checked = true
            }
            let lengthBefore = lseek(descriptor, 0, SEEK_END)
            do {
                try FileDescriptorWriter.writeAll(bytes, to: descriptor, target: path)
            } catch {
                if lengthBefore >= 0 { _ = ftruncate(descriptor, lengthBefore) }
                throw error
            }
        }
    }

    /// Cuts a last line without its newline, which only a process that died mid-write leaves.
    private func cutPartialLine(_ descriptor: Int32) throws {
        let whole = try WholeLines.length(ofFileAt: path)
        guard whole < lseek(descriptor, 0, SEEK_END) else { return }
        guard ftruncate(descriptor, whole) == 0 else { throw WriteError(target: path, errno: errno) }
    }

    /// A dead-letter path that names a pipe or a socket: writes to it could wait forever.
    public struct NotAFile: Error, CustomStringConvertible {
        /// The dead-letter path.
        public let path: String

        public var description: String {
            "the dead-letter path \(path) is a named pipe or a socket; give a regular file (a file source can replay it)"
        }
    }
}

/// A sink's `dead_letter: { path }` option.
public struct DeadLetterOptions: OptionGroup {
    /// The NDJSON file undeliverable events are appended to.
    @Option("The NDJSON file undeliverable events are appended to, whole lines only: a failed write is cut back to the file's length before it, and a line an earlier run left torn (killed mid-write) is cut when the file is first appended to. A pipe or a socket is refused. Events it cannot take (a full disk) are dropped, counted and logged.")
    public var path: String

    public init() {}
}
