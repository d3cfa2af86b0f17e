import Logging
import SwitchyardKit

/// Turns lines of bytes into events in the configured format, counting bad lines.
struct LineDecoder {
    let format: InputFormat
    let context: StageContext
    /// Names the input in messages (a path, or `stdin`).
    let inputName: String
    private let parser = JSONParser()
    private var loggedErrors = 0

    init(format: InputFormat, context: StageContext, inputName: String) {
        self.format = format
        self.context = context
        self.inputName = inputName
    }

    /// Decodes one line (without its newline); nil when the line is blank or invalid (then counted).
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int, metadata: EventMetadata) -> Event? {
        var line = line
        if let last = line.last, last == UInt8(ascii: "\r") { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        switch format {
        case .lines:
            let text = String(decoding: line, as: UTF8.self)
            return Event(value: .object(JSONObject([(key: "message", value: .string(text))])), metadata: metadata)
        case .ndjson:
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
            do {
                let value = try parser.parse(buffer: line)
                return Event(value: value, rawJSON: Array(line), metadata: metadata)
            } catch {
                context.metrics.addErrors(1)
                // Every bad line is counted; the first hundred are also logged with their place.
                if loggedErrors < 100 {
                    loggedErrors += 1
                    context.logger.warning("\(inputName):\(lineNumber): skipped a line that is not JSON: \(error)")
                }
                return nil
            }
        }
    }
}
