/// One event: a JSON-like value plus where and when it entered the pipeline.
///
/// Events are values (copy-on-write), so fan-out to several consumers copies
/// nothing until a consumer changes its copy. An event read from JSON text keeps
/// that text in ``rawJSON`` until its value changes, so a stage that passes the
/// event on unchanged never pays for encoding it again.
public struct Event: Sendable, Equatable {
    /// The payload. Changing it discards ``rawJSON``.
    public var value: JSONValue {
        didSet { rawJSON = nil }
    }

    /// The exact JSON text ``value`` was parsed from, while the value is unchanged.
    public private(set) var rawJSON: [UInt8]?

    /// Where and when the event entered the pipeline.
    public var metadata: EventMetadata

    /// An event with this value.
    public init(value: JSONValue, metadata: EventMetadata = EventMetadata()) {
        self.value = value
        self.rawJSON = nil
        self.metadata = metadata
    }

    /// An event whose value was parsed from `rawJSON`; the text is kept for re-use.
    public init(value: JSONValue, rawJSON: [UInt8], metadata: EventMetadata = EventMetadata()) {
        self.value = value
        self.rawJSON = rawJSON
        self.metadata = metadata
    }

    /// Appends the event's compact JSON text to `buffer`, re-using the original text when it has one.
    public func writeJSON(into buffer: inout [UInt8]) {
        if let rawJSON {
            buffer.append(contentsOf: rawJSON)
        } else {
            JSONWriter.write(value, into: &buffer)
        }
    }

    public static func == (lhs: Event, rhs: Event) -> Bool {
        lhs.value == rhs.value && lhs.metadata == rhs.metadata
    }
}
