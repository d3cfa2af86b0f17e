import CoreStages
import Foundation
import SwitchyardKit
import SwitchyardTesting

/// Shared helpers for the core stage tests: a harness with the core stages, temp dirs, file writes.
enum Fixture {
    static let harness: PipelineHarness = {
        var registry = StageRegistry()
        registry.registerCoreStages()
        return PipelineHarness(registry: registry)
    }()

    /// A fresh empty directory.
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func unique(_ name: String) -> String { "\(name)-\(UUID().uuidString)" }

    static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Polls `condition` every 10 ms, for at most `seconds`; true if it came true.
    static func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }
}
