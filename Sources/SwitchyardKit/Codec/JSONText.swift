/// Checked JSON text read in parts without building trees.
///
/// A source that receives many events in one document (a WebSocket frame holding an array
/// of messages, an HTTP body holding an array of objects) checks the document once, then
/// takes each element or member as a slice of the same storage and hands it on as an event
/// (``event(metadata:)``), which a stage parses only if it reads it.
public struct JSONText: Sendable {
    /// The value's text, without surrounding whitespace.
    public let bytes: ArraySlice<UInt8>
    /// No object in the text repeats a key (``JSONParser/validateReportingKeys(buffer:)``).
    public let uniqueKeys: Bool

    /// Checks `bytes` as one JSON value; throws ``JSONParseError`` (with the byte offset) if
    /// it is not.
    public init(validating bytes: ArraySlice<UInt8>, maximumDepth: Int = JSONParser.defaultMaximumDepth) throws {
        let uniqueKeys = try bytes.withUnsafeBufferPointer {
            try JSONParser(maximumDepth: maximumDepth).validateReportingKeys(buffer: $0)
        }
        // Valid text is one value between whitespace: trimming both ends finds it without
        // scanning the value a second time.
        let span = bytes.withUnsafeBufferPointer { buffer -> Range<Int> in
            var end = buffer.count
            while end > 0, JSONPathScanner.isWhitespace(buffer[end - 1]) { end -= 1 }
            return JSONPathScanner.skipWhitespace(buffer, 0)..<end
        }
        self.init(checked: bytes[(bytes.startIndex + span.lowerBound)..<(bytes.startIndex + span.upperBound)], uniqueKeys: uniqueKeys)
    }

    private init(checked bytes: ArraySlice<UInt8>, uniqueKeys: Bool) {
        self.bytes = bytes
        self.uniqueKeys = uniqueKeys
    }

    /// True for an object.
    public var isObject: Bool { bytes.first == UInt8(ascii: "{") }

    /// True for an array.
    public var isArray: Bool { bytes.first == UInt8(ascii: "[") }

    /// The elements of an array, in order; empty for anything else.
    public var elements: [JSONText] {
        guard isArray else { return [] }
        return bytes.withUnsafeBufferPointer { buffer in
            var elements: [JSONText] = []
            var position = JSONPathScanner.skipWhitespace(buffer, 1)
            while position < buffer.count, buffer[position] != UInt8(ascii: "]") {
                let end = JSONPathScanner.skipValue(buffer, position)
                elements.append(part(position..<end))
                position = JSONPathScanner.skipWhitespace(buffer, end)
                guard position < buffer.count, buffer[position] == UInt8(ascii: ",") else { break }
                position = JSONPathScanner.skipWhitespace(buffer, position + 1)
            }
            return elements
        }
    }

    /// The value of member `name` of an object (the last one if the name repeats); nil when
    /// there is none or this is not an object.
    public func member(_ name: String) -> JSONText? {
        guard isObject else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            guard let start = JSONPathScanner.member(name, in: buffer, objectAt: 0, uniqueKeys: uniqueKeys) else { return nil }
            return part(start..<JSONPathScanner.skipValue(buffer, start))
        }
    }

    /// The value as a tree.
    public var value: JSONValue {
        // The text was checked at init, so parsing cannot fail.
        (try? bytes.withUnsafeBufferPointer { try JSONParser(maximumDepth: .max).parse(buffer: $0) }) ?? .null
    }

    /// An event holding this text, parsed only when a stage reads it.
    public func event(metadata: EventMetadata) -> Event {
        Event(validatedJSON: bytes, metadata: metadata, uniqueKeys: uniqueKeys)
    }

    private func part(_ range: Range<Int>) -> JSONText {
        JSONText(checked: bytes[(bytes.startIndex + range.lowerBound)..<(bytes.startIndex + range.upperBound)], uniqueKeys: uniqueKeys)
    }
}
