#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// The files a file sink has open, by path: opened on first write, closed when idle or when too many are open.
final class OpenFiles {
    private struct OpenFile {
        let descriptor: Int32
        var lastWrite: ContinuousClock.Instant
    }

    /// At most this many files are open at once; the least recently written is closed first.
    static let maximumOpen = 256

    private var files: [String: OpenFile] = [:]
    private let idleTimeout: Duration
    private let sync: Bool
    private let logger: Logger

    init(idleTimeout: Duration, sync: Bool, logger: Logger) {
        self.idleTimeout = idleTimeout
        self.sync = sync
        self.logger = logger
    }

    deinit { closeAll() }

    /// Appends whole lines to `path`, opening (and creating) it if needed.
    func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = try open(path)
        try FileDescriptorWriter.writeAll(bytes, to: descriptor, target: path)
        if sync, fsync(descriptor) != 0 { throw WriteError(target: path, errno: errno) }
        files[path]?.lastWrite = .now
    }

    /// Closes files nobody wrote to for the idle timeout.
    func closeIdle() {
        let now = ContinuousClock.now
        for (path, file) in files where now - file.lastWrite >= idleTimeout {
            close(file.descriptor)
            files[path] = nil
        }
    }

    func closeAll() {
        for file in files.values { close(file.descriptor) }
        files.removeAll()
    }

    var count: Int { files.count }

    private func open(_ path: String) throws -> Int32 {
        if let file = files[path] { return file.descriptor }
        if files.count >= Self.maximumOpen, let oldest = files.min(by: { $0.value.lastWrite < $1.value.lastWrite }) {
            close(oldest.value.descriptor)
            files[oldest.key] = nil
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw WriteError(target: path, errno: errno) }
        try endPartialLine(descriptor, path: path)
        files[path] = OpenFile(descriptor: descriptor, lastWrite: .now)
        return descriptor
    }

    /// If an earlier writer died mid-line, ends that line so ours start clean.
    private func endPartialLine(_ descriptor: Int32, path: String) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return }
        let reader = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return }
        defer { close(reader) }
        var last: UInt8 = 0
        guard pread(reader, &last, 1, off_t(info.st_size - 1)) == 1, last != 0x0A else { return }
        logger.warning("\(path) ended in a partial line; starting on a new line")
        try FileDescriptorWriter.writeAll([0x0A], to: descriptor, target: path)
    }
}
