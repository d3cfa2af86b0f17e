#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the whole lines of an appended-to file end: files written a line at a time end in a
/// newline unless their writer died mid-line.
public enum WholeLines {
    /// The length of the file at `path` up to and including its last newline (0 if it has
    /// none), read backwards 64 KiB at a time; throws ``WriteError`` naming `path`.
    public static func length(ofFileAt path: String) throws -> off_t {
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw WriteError(target: path, errno: errno) }
        defer { close(reader) }
        var end = lseek(reader, 0, SEEK_END)
        guard end >= 0 else { throw WriteError(target: path, errno: errno) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let start = max(0, end - off_t(chunk.count))
            let count = Int(end - start)
            let read = chunk.withUnsafeMutableBytes { pread(reader, $0.baseAddress, count, start) }
            guard read == count else { throw WriteError(target: path, errno: read < 0 ? errno : EIO) }
            if let newline = chunk[..<count].lastIndex(of: 0x0A) { return start + off_t(newline) + 1 }
            end = start
        }
        return 0
    }
}
