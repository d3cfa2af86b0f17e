#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from writing to a file descriptor: the target and the system's reason, one line.
public struct WriteError: Error, CustomStringConvertible {
    /// The file or device written to, named in the message.
    public let target: String
    /// The `errno` of the failed write.
    public let errno: Int32

    /// A failed write to `target` with `errno`.
    public init(target: String, errno: Int32) {
        self.target = target
        self.errno = errno
    }

    public var description: String { "cannot write to \(target): \(String(cString: strerror(errno)))" }

    /// Whether the write failed because the filesystem (or the user's quota on it) is full.
    public var isOutOfSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// Writes whole buffers to a file descriptor, retrying short writes and interrupts.
public enum FileDescriptorWriter {
    /// Writes all of `bytes` to `descriptor`, retrying short writes and EINTR; throws ``WriteError`` naming `target`.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32, target: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw WriteError(target: target, errno: errno)
                }
                offset += written
            }
        }
    }
}
