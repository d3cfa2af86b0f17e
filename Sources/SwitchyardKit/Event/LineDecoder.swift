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
