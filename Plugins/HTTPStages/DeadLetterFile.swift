import Foundation
import Synchronization
import SwitchyardKit

/// Where the HTTP sink puts batches it could not deliver: their events as NDJSON lines,
/// so that a `file` source can replay them.
final class DeadLetterFile: Sendable {
    let path: String
    private let lock = Mutex(())

    init(path: String) { self.path = path }

    func append(_ events: [Event]) throws {
        var bytes: [UInt8] = []
        for event in events {
            event.writeJSON(into: &bytes)
            bytes.append(0x0A)
        }
        try lock.withLock { _ in
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }  // a failure shows at the open below
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(bytes))
        }
    }
}
