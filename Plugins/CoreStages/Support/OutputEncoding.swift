import SwitchyardKit

/// How a sink writes events as text.
public enum OutputEncoding: String, ConfigEnum {
    /// One compact JSON object per line.
    case ndjson
    /// Each event as indented JSON, for people.
    case json
    /// The event's `message` field as a line (compact JSON when it has none).
    case text

    /// Appends `event`, with its trailing newline, to `buffer`.
    func append(_ event: Event, to buffer: inout [UInt8]) {
        switch self {
        case .ndjson:
            event.writeJSON(into: &buffer)
        case .json:
            JSONWriter.writePretty(event.value, into: &buffer)
        case .text:
            switch event.value["message"] {
            case .string(let message)?: buffer.append(contentsOf: message.utf8)
            case let other?: JSONWriter.write(other, into: &buffer)
            case nil: event.writeJSON(into: &buffer)
            }
        }
        buffer.append(0x0A)
    }
}
