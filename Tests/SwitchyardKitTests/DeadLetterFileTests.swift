import Foundation
import Testing
import SwitchyardKit

@Suite("dead-letter file: whole lines only")
struct DeadLetterFileTests {
    private func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "switchyard-deadletter-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("a file an earlier run left mid-line is cut back to its last whole line before the first append, once")
    func tornLastLine() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/dead.ndjson"
        try #"{"a":1}"#.appending("\n").appending(#"{"b":"tor"#).write(toFile: path, atomically: true, encoding: .utf8)
        let file = DeadLetterFile(path: path)
        try file.append([Event(value: ["c": 2])])
        try file.append([Event(value: ["d": 3]), Event(value: ["e": 4])])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}\n{\"c\":2}\n{\"d\":3}\n{\"e\":4}\n")
    }

    @Test("a torn file with no newline at all is emptied; a missing file and its directory are made")
    func noWholeLine() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let torn = "\(directory)/torn.ndjson"
        try String(repeating: "x", count: 200_000).write(toFile: torn, atomically: true, encoding: .utf8)
        try DeadLetterFile(path: torn).append([Event(value: ["a": 1])])
        #expect(try String(contentsOfFile: torn, encoding: .utf8) == "{\"a\":1}\n")
        let fresh = "\(directory)/new/dir/dead.ndjson"
        try DeadLetterFile(path: fresh).append([Event(value: ["b": 2])])
        #expect(try String(contentsOfFile: fresh, encoding: .utf8) == "{\"b\":2}\n")
    }

    @Test("a named pipe is refused at once instead of blocking the sink; a device that refuses writes throws")
    func notAFile() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = "\(directory)/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect {
            try DeadLetterFile(path: fifo).append([Event(value: ["a": 1])])
        } throws: { "\($0)".contains("is a named pipe or a socket; give a regular file") }
        #expect {
            try DeadLetterFile(path: "/dev/full").append([Event(value: ["a": 1])])
        } throws: { ($0 as? WriteError)?.isOutOfSpace == true }
    }
}
