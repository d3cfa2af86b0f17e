#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwitchyardKit
import Logging

/// The files a file sink has open, by path: opened on first write, closed when idle or when too many are open.
///
/// Opening a file that ends in a partial line (a writer died in the middle of a write)
/// cuts that partial line off: those events were never acknowledged and come again.
final class OpenFiles {
    private struct OpenFile {
        let descriptor: Int32
        var lastWrite: ContinuousClock.Instant
        /// Written since the last fsync.
        var dirty = false
    }

    /// At most this many files are open at once; the least recently written is closed first.
    static let maximumOpen = 256

    private var files: [String: OpenFile] = [:]
    private let idleTimeout: Duration
    private let syncBeforeClose: Bool
    private let logger: Logger
    /// Partial last lines cut off at open, over the sink's life.
    private(set) var repairedPartialLines = 0

    init(idleTimeout: Duration, syncBeforeClose: Bool, logger: Logger) {
        self.idleTimeout = idleTimeout
        self.syncBeforeClose = syncBeforeClose
        self.logger = logger
    }

    deinit { closeAll() }

    /// Appends whole lines to `path`, opening (and creating) it if needed.
    func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = try open(path)
        try FileDescriptorWriter.writeAll(bytes, to: descriptor, target: path)
        files[path]?.lastWrite = .now
        files[path]?.dirty = true
    }

    /// fsyncs every file written since its last fsync.
    func syncAll() throws {
        for (path, file) in files where file.dirty {
            try sync(file.descriptor, path: path)
            files[path]?.dirty = false
        }
    }

    /// Closes files nobody wrote to for the idle timeout.
    func closeIdle() throws {
        let now = ContinuousClock.now
        for (path, file) in files where now - file.lastWrite >= idleTimeout {
            try close(path)
        }
    }

    func closeAll() {
        for path in Array(files.keys) { try? close(path) }
    }

    var count: Int { files.count }

    private func close(_ path: String) throws {
        guard let file = files.removeValue(forKey: path) else { return }
        defer { _ = Glibc.close(file.descriptor) }
        if file.dirty, syncBeforeClose { try sync(file.descriptor, path: path) }
    }

    private func sync(_ descriptor: Int32, path: String) throws {
        if fsync(descriptor) != 0 { throw WriteError(target: path, errno: errno) }
    }

    private func open(_ path: String) throws -> Int32 {
        if let file = files[path] { return file.descriptor }
        if files.count >= Self.maximumOpen, let oldest = files.min(by: { $0.value.lastWrite < $1.value.lastWrite }) {
            try close(oldest.key)
        }
        try Directories.make(parentOf: path)
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw WriteError(target: path, errno: errno) }
        do {
            try cutPartialLine(descriptor, path: path)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        files[path] = OpenFile(descriptor: descriptor, lastWrite: .now)
        return descriptor
    }

    /// If an earlier writer died mid-line, cuts the file back to its last newline: the torn
    /// event was never acknowledged, so it is delivered again, whole.
    private func cutPartialLine(_ descriptor: Int32, path: String) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return }
        let size = Int64(info.st_size)
        let reader = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw WriteError(target: path, errno: errno) }
        defer { _ = Glibc.close(reader) }
        var end = size
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var keep: Int64 = 0
        search: while end > 0 {
            let start = max(0, end - Int64(chunk.count))
            let count = Int(end - start)
            let read = chunk.withUnsafeMutableBytes { pread(reader, $0.baseAddress, count, off_t(start)) }
            guard read == count else { throw WriteError(target: path, errno: read < 0 ? errno : EIO) }
            for index in stride(from: count - 1, through: 0, by: -1) where chunk[index] == 0x0A {
                keep = start + Int64(index) + 1
                break search
            }
            end = start
        }
        guard keep < size else { return }
        guard ftruncate(descriptor, off_t(keep)) == 0 else { throw WriteError(target: path, errno: errno) }
        repairedPartialLines += 1
        logger.warning("\(path) ended in a partial line (an earlier run stopped mid-write); cut \(size - keep) bytes back to the last whole line, those events are written again")
    }
}
