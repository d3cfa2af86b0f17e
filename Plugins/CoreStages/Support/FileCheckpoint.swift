import Foundation

/// Where a file source got to: which file (device and inode) and the offset after the last
/// whole line it sent. Kept in `data_dir/<stage id>/checkpoint.json`.
struct FileCheckpoint: Codable, Equatable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64

    /// Reads the checkpoint in `directory`, if there is one.
    static func load(from directory: String) -> FileCheckpoint? {
        guard let data = FileManager.default.contents(atPath: directory + "/checkpoint.json") else { return nil }
        return try? JSONDecoder().decode(FileCheckpoint.self, from: data)
    }

    /// Writes the checkpoint to `directory` atomically (a crash leaves the old one or the new one).
    func save(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: directory + "/checkpoint.json"), options: .atomic)
    }
}
