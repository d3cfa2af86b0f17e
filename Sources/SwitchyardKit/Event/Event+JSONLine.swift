extension Event {
    /// An event from one NDJSON line (without its newline; a trailing `\r` is ignored), checked
    /// but not parsed: the event keeps the slice (sharing its storage) and builds its value when
    /// a stage reads it. Nil for a blank line; throws ``JSONParseError`` for a line that is not JSON.
    public init?(jsonLine line: ArraySlice<UInt8>, metadata: EventMetadata) throws {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        let keys = try line.withUnsafeBufferPointer { try JSONParser().validateReportingKeyFilter(buffer: $0) }
        self.init(validatedJSON: line, metadata: metadata, uniqueKeys: keys.uniqueKeys, rootKeys: keys.rootKeys)
    }
}
