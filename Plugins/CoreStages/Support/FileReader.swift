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

    /// Opens `path` for reading; nil (with `errno` set) when it cannot be opened.
    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        fstat(descriptor, &info)
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

    /// Moves back to the start (after truncation).
    mutating func rewind() {
        offset = Int64(lseek(descriptor, 0, SEEK_SET))
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 {
                offset += Int64(count)
                return count
            }
            if errno == EINTR { continue }
            throw WriteError(target: path, errno: errno).asReadError
        }
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

extension WriteError {
    var asReadError: ReadError { ReadError(description: "cannot read \(target): \(String(cString: strerror(errno)))") }
}
