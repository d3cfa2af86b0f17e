import Foundation

/// Keeps a second process off a `data_dir` while a pipeline runs there.
///
/// Two processes on one `data_dir` would both resume from the same checkpoints (every line
/// delivered twice) and append to the same disk-buffer segments (torn records, events lost).
/// The lock is `flock(2)` on `data_dir/.lock`, which the kernel lets go when the process ends
/// however it ends (`kill -9` included), so a crash never leaves a stale lock behind. The
/// file holds the holder's pid, for the message the next process gives.
public final class DataDirectoryLock: Sendable {
    /// Why the lock was not taken.
    public struct Failure: Error, CustomStringConvertible {
        /// What is in the way, and what to do.
        public let description: String
    }

    private let descriptor: Int32

    /// Takes the lock of `directory` (made if missing), or fails at once naming the holder.
    public init(directory: String) throws(Failure) {
        // Made if missing; a failure shows at the open below.
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure(description: "data_dir \(directory): cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            throw Failure(description: "data_dir \(directory) is in use by another switchyard process\(holder.map { " (pid \($0))" } ?? ""): "
                + "two processes would resume from the same checkpoints and write the same buffers; stop that one, or give this pipeline its own data_dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    private static func readHolder(_ descriptor: Int32) -> Int? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count], as: UTF8.self).split(separator: "\n").first.flatMap { Int($0) }
    }
}
