/// Turns lines of bytes into events in the configured format, counting bad lines: what every
/// source that reads lines (file, stdin, exec) shares.
public struct LineDecoder: Sendable {
    /// How a line becomes an event.
    public let format: InputFormat
    let context: StageContext
    /// Names the input in messages (a path, `stdin`, a program).
    public let inputName: String

    /// A decoder for lines of `inputName`, reporting bad lines through `context.problems`.
    public init(format: InputFormat, context: StageContext, inputName: String) {
        self.format = format
        self.context = context
        self.inputName = inputName
    }

    /// Decodes one line (without its newline); nil when the line is blank or invalid (then counted).
    ///
    /// JSON lines are only checked here, not parsed: the event keeps a slice of
    /// `line` (sharing its storage) and builds its value when a stage reads it.
    public func decode(_ line: ArraySlice<UInt8>, lineNumber: Int, metadata: EventMetadata) -> Event? {
        switch format {
        case .lines:
            let text = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
            return Event(value: .object(JSONObject([(key: "message", value: .string(text))])), metadata: metadata)
        case .ndjson:
            do {
                return try Event(jsonLine: line, metadata: metadata)
            } catch {
                context.problems.reject("\(inputName):\(lineNumber): skipped a line that is not JSON: \(error)")
                return nil
            }
        }
    }
}

extension LineDecoder {
    /// Below this many bytes of lines, ``decode(_:metadata:)`` checks them on the calling
    /// task alone: a second task costs more than it saves.
    static let concurrentMinimumBytes = 64 * 1024

    /// Decodes `lines` (each without its newline, with its line number) in order, the second
    /// half on a child task while this one does the first: checking JSON is most of a file
    /// source's work, and the sink downstream leaves the other core mostly idle.
    public func decode(_ lines: [(line: ArraySlice<UInt8>, number: Int)], metadata: EventMetadata) async -> [Event] {
        let bytes = lines.reduce(0) { $0 + $1.line.count }
        guard lines.count >= 2, bytes >= Self.concurrentMinimumBytes, format == .ndjson else {
            return decode(lines[...], metadata: metadata)
        }
        let half = lines.count / 2
        async let second = decode(lines[half...], metadata: metadata)
        var events: [Event] = []
        events.reserveCapacity(lines.count)
        append(lines[..<half], metadata: metadata, to: &events)
        events += await second
        return events
    }

    /// Decodes `lines` in order on the calling task.
    public func decode(_ lines: ArraySlice<(line: ArraySlice<UInt8>, number: Int)>, metadata: EventMetadata) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(lines.count)
        append(lines, metadata: metadata, to: &events)
        return events
    }

    /// Decodes `lines` in order onto the end of `events`.
    func append(_ lines: ArraySlice<(line: ArraySlice<UInt8>, number: Int)>, metadata: EventMetadata, to events: inout [Event]) {
        for (line, number) in lines {
            if let event = decode(line, lineNumber: number, metadata: metadata) { events.append(event) }
        }
    }
}
