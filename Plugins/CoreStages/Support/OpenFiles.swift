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
        /// When it was last used, on ``OpenFiles``'s own count of uses.
        var lastUse: Int
        /// Written since the last fsync.
        var dirty = false

        /// Records a write, as use number `use`.
        mutating func wrote(use: Int) {
            lastWrite = .now
            lastUse = use
            dirty = true
        }
    }

    /// At most this many files are open at once; the least recently written is closed first.
    static let maximumOpen = 256
    /// At most this many paths are remembered as checked for a partial line; past it the
    /// memory is cleared (a path then gets checked again when next opened, which is harmless).
    static let maximumCheckedPaths = 100_000

    private var files: [String: OpenFile] = [:]
    /// Uses in order, oldest first from `recencyHead`: an entry whose use is not its file's
    /// last is stale and skipped. Evicting takes O(1) amortised instead of a scan of every
    /// open file (with a path template over 10k files, every write evicts one).
    private var recency: [(path: String, use: Int)] = []
    private var recencyHead = 0
    private var uses = 0
    /// Paths opened (and checked for a partial line) since this sink started: the sink writes
    /// only whole lines, so reopening one of them after an eviction needs no check. A failed
    /// write takes its path off (it may have left a partial line).
    private var checkedPaths: Set<String> = []
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
    ///
    /// A write that fails (a full disk, say) may have written part of the bytes: the file is
    /// cut back to its length before the write, so that a retry of the same bytes leaves
    /// neither a partial line nor a line twice. It is also closed and forgotten as checked:
    /// should the cut fail, the next open cuts the partial line.
    func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = try open(path)
        let lengthBefore = lseek(descriptor, 0, SEEK_END)
        do {
            try FileDescriptorWriter.writeAll(bytes, to: descriptor, target: path)
        } catch {
            if lengthBefore >= 0 { _ = ftruncate(descriptor, lengthBefore) }
            checkedPaths.remove(path)
            try? close(path)
            throw error
        }
        uses += 1
        files[path]?.wrote(use: uses)
        noteUse(uses, of: path)
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
        if files.count >= Self.maximumOpen { try closeLeastRecentlyUsed() }
        var descriptor = try Self.openForAppending(path)
        if descriptor < 0, errno == ENOENT {
            // A missing directory: made once, not looked up before every open.
            try Directories.make(parentOf: path)
            descriptor = try Self.openForAppending(path)
        }
        guard descriptor >= 0 else { throw WriteError(target: path, errno: errno) }
        if !checkedPaths.contains(path) {
            do {
                try cutPartialLine(descriptor, path: path)
            } catch {
                _ = Glibc.close(descriptor)
                throw error
            }
            if checkedPaths.count >= Self.maximumCheckedPaths { checkedPaths.removeAll() }
            checkedPaths.insert(path)
        }
        // Its first write, right after, enters it in the order of uses.
        files[path] = OpenFile(descriptor: descriptor, lastWrite: .now, lastUse: uses)
        return descriptor
    }

    /// Opens `path` to append to it, creating it; -1 with `errno` set when that fails. A named
    /// pipe or a socket is refused: opening a pipe would wait for a reader, and writing to one
    /// would hold the sink (and a thread) for as long as its reader stalls.
    private static func openForAppending(_ path: String) throws(UnsupportedFileType) -> Int32 {
        try UnsupportedFileType.open(path, flags: O_WRONLY | O_APPEND | O_CREAT, mode: 0o644, allowed: { mode in
            let type = mode & S_IFMT
            return type != S_IFIFO && type != S_IFSOCK
        }, advice: "the file sink appends to regular files (or devices such as /dev/null); to feed a program, use the exec sink or the stdout sink").descriptor
    }

    /// Records that `path` was used as use number `use`.
    private func noteUse(_ use: Int, of path: String) {
        recency.append((path, use))
        // Stale entries pile up behind a file that stays open unused: rebuild from the open
        // files (at most ``maximumOpen``) once they outnumber them well.
        if recency.count - recencyHead > 8 * Self.maximumOpen {
            recency = files.map { ($0.key, $0.value.lastUse) }.sorted { $0.use < $1.use }
            recencyHead = 0
        }
    }

    /// Closes the open file used longest ago.
    private func closeLeastRecentlyUsed() throws {
        while recencyHead < recency.count {
            let (path, use) = recency[recencyHead]
            recencyHead += 1
            if recencyHead > 4 * Self.maximumOpen, recencyHead * 2 > recency.count {
                recency.removeFirst(recencyHead)
                recencyHead = 0
            }
            if let file = files[path], file.lastUse == use {
                try close(path)
                return
            }
        }
    }

    /// If an earlier writer died mid-line, cuts the file back to its last newline: the torn
    /// event was never acknowledged, so it is delivered again, whole.
    private func cutPartialLine(_ descriptor: Int32, path: String) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return }
        let size = Int64(info.st_size)
        let keep = Int64(try WholeLines.length(ofFileAt: path))
        guard keep < size else { return }
        guard ftruncate(descriptor, off_t(keep)) == 0 else { throw WriteError(target: path, errno: errno) }
        repairedPartialLines += 1
        logger.warning("\(path) ended in a partial line (an earlier run stopped mid-write); cut \(size - keep) bytes back to the last whole line, those events are written again")
    }
}
