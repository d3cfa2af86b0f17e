#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwitchyardKit
import Foundation

/// Where a file source got to: which file (device, inode and a fingerprint of its first
/// bytes, so that a reused inode is not taken for the old file) and the offset after the
/// last whole line whose events were acknowledged. Kept in `data_dir/<stage id>/checkpoint.json`.
struct FileCheckpoint: Codable, Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    /// How many leading bytes `fingerprint` covers (up to ``FileReader/fingerprintBytes``).
    var fingerprintLength: Int?
    /// FNV-1a of the first `fingerprintLength` bytes.
    var fingerprint: UInt64?
    var offset: Int64

    static let fileName = "checkpoint.json"

    /// Reads the checkpoint in `directory`, if there is one.
    static func load(from directory: String) -> FileCheckpoint? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(FileCheckpoint.self, from: data)
    }

    /// Writes the checkpoint to `directory`: a temporary file, fsync, rename, fsync of the
    /// directory. A crash at any moment leaves the old checkpoint or the new one.
    func save(to directory: String) throws {
        try Directories.make(directory)
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp"
        let bytes = Array(try JSONEncoder().encode(self))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw WriteError(target: temporary, errno: errno) }
        do {
            try FileDescriptorWriter.writeAll(bytes, to: descriptor, target: temporary)
            if fsync(descriptor) != 0 { throw WriteError(target: temporary, errno: errno) }
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw WriteError(target: path, errno: errno) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
