#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file being read, with what is needed to notice rotation and truncation.
struct FileReader: ~Copyable {
    let path: String
    let descriptor: Int32
    let device: UInt64
    let inode: UInt64
    private(set) var offset: Int64 = 0

    /// What to read instead of something that is not a regular file.
    static let advice = "the file source reads regular files (and follows them through rotation); read a pipe with the stdin source (switchyard run pipeline.yaml < pipe)"

    /// Opens `path` for reading; nil (with `errno` set) when it cannot be opened. Anything but
    /// a regular file is refused without waiting: opening a named pipe would block until a
    /// writer came, and reading one would hold a thread that a stop cannot free.
    init?(path: String) throws(UnsupportedFileType) {
        let (descriptor, info) = try UnsupportedFileType.open(path, flags: O_RDONLY, allowed: { ($0 & S_IFMT) == S_IFREG }, advice: Self.advice)
        guard descriptor >= 0 else { return nil }
        self.path = path
        self.descriptor = descriptor
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
    }

    deinit { close(descriptor) }

    /// Moves to the end of the file (`read_from: end`).
    mutating func seekToEnd() {
        offset = Int64(lseek(descriptor, 0, SEEK_END))
    }

    /// Moves to `position` (resuming from a checkpoint).
    mutating func seek(to position: Int64) {
        offset = Int64(lseek(descriptor, off_t(position), SEEK_SET))
    }

    /// The file's current size.
    var size: Int64 {
        var info = stat()
        fstat(descriptor, &info)
        return Int64(info.st_size)
    }

    /// How many leading bytes identify a file beside its device and inode.
    static let fingerprintBytes = 256
    private var knownFingerprint: (length: Int, hash: UInt64) = (0, Self.fnv1a([]))

    /// FNV-1a of up to `length` leading bytes, and how many there were.
    func fingerprint(length: Int) -> (length: Int, hash: UInt64) {
        var bytes = [UInt8](repeating: 0, count: length)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, 0) }
        let prefix = bytes.prefix(max(0, read))
        return (prefix.count, Self.fnv1a(prefix))
    }

    private static func fnv1a(_ bytes: some Collection<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Where this source stands in the file: `pendingBytes` before the current offset.
    mutating func checkpoint(pendingBytes: Int64) -> FileCheckpoint {
        if knownFingerprint.length < Self.fingerprintBytes, offset > Int64(knownFingerprint.length) {
            knownFingerprint = fingerprint(length: Self.fingerprintBytes)
        }
        return FileCheckpoint(device: device, inode: inode, fingerprintLength: knownFingerprint.length,
                              fingerprint: knownFingerprint.hash, offset: offset - pendingBytes)
    }

    /// Whether `saved` was taken on this very file (not another that reuses its inode) and still fits in it.
    func matches(_ saved: FileCheckpoint) -> Bool {
        guard saved.device == device, saved.inode == inode, saved.offset <= size else { return false }
        guard let length = saved.fingerprintLength, let hash = saved.fingerprint else { return true }
        let current = fingerprint(length: length)
        return current.length == length && current.hash == hash
    }

    /// Moves back to the start (after truncation).
    mutating func rewind() {
        knownFingerprint = (0, Self.fnv1a([]))
        offset = Int64(lseek(descriptor, 0, SEEK_SET))
    }

    /// Reads the next chunk of up to `maximum` bytes; empty at the end of the file.
    mutating func readChunk(maximum: Int) throws -> [UInt8] {
        let chunk = try ChunkReader.read(descriptor, maximum: maximum, name: path)
        offset += Int64(chunk.count)
        return chunk
    }

    /// What happened to the path since the file was opened.
    enum Change { case none, truncated, replaced }

    /// Checks whether the path now names another file (rotation) or this one shrank (truncation).
    func change() -> Change {
        var info = stat()
        if stat(path, &info) != 0 { return .replaced }
        if UInt64(info.st_dev) != device || UInt64(info.st_ino) != inode { return .replaced }
        var own = stat()
        fstat(descriptor, &own)
        return Int64(own.st_size) < offset ? .truncated : .none
    }
}

/// A failed read.
struct ReadError: Error, CustomStringConvertible {
    let description: String
}

/// Reads chunks from a file descriptor into arrays that events can share.
enum ChunkReader {
    /// The bytes read at a time unless configured (the file source's `read_size`).
    static let defaultReadSize = 512 << 10
    /// The read sizes a configuration may ask for.
    static let readSizes = (4 << 10)...(64 << 20)
    /// Below this size a chunk is copied into an exact-size array, so that
    /// events cut from a small read do not keep a large buffer alive.
    static let compactBelow = 64 * 1024

    /// Reads up to `maximum` bytes; empty at the end of input.
    static func read(_ descriptor: Int32, maximum: Int, name: String) throws -> [UInt8] {
        var failure: Int32 = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: maximum) { buffer, initialized in
            while true {
                let count = Glibc.read(descriptor, buffer.baseAddress, maximum)
                if count >= 0 {
                    initialized = count
                    return
                }
                if errno != EINTR {
                    failure = errno
                    initialized = 0
                    return
                }
            }
        }
        if failure != 0 { throw ReadError(description: "cannot read \(name): \(String(cString: strerror(failure)))") }
        return chunk.count < compactBelow ? Array(chunk[...]) : chunk
    }
}
