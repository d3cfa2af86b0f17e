import Foundation
import Logging
import Synchronization
import SwitchyardKit

/// Writes each log record as one line on standard error: `text` puts the message first, then
/// `key=value` metadata; `json` writes one object per line (timestamp, level, message, then
/// the metadata as fields: `stage`, ...). Lines are written whole, never interleaved.
struct LineLogHandler: LogHandler {
    /// How a record is written.
    enum Format: String, CaseIterable, Sendable {
        case text
        case json
    }

    private static let output = Mutex(())

    let format: Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        for (key, value) in event.metadata ?? [:] { fields[key] = value }
        let timestamp = RFC3339.string(fromSeconds: Date().timeIntervalSince1970)
        var line: String
        switch format {
        case .text:
            line = "\(timestamp) \(event.level) \(event.message)"
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(Self.quoted("\(value)"))" }
        case .json:
            var object = JSONObject([(key: "timestamp", value: .string(timestamp)), (key: "level", value: .string("\(event.level)")),
                                     (key: "message", value: .string("\(event.message)"))])
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) where object[key] == nil { object[key] = .string("\(value)") }
            line = JSONWriter.string(.object(object))
        }
        line += "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A value as written in text lines: quoted when it holds spaces, quotes or `=`.
    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else { return value }
        return JSONWriter.string(.string(value))
    }
}
