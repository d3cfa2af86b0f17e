/// One event: a JSON-like value plus where and when it entered the pipeline.
///
/// Events are values (copy-on-write), so fan-out to several consumers copies
/// nothing until a consumer changes its copy.
///
/// A source that reads JSON text hands over the checked text itself
/// (``init(validatedJSON:metadata:)``); the value is built from it only when a
/// stage asks for ``value``, and a stage that passes the event on unchanged
/// writes the original bytes without ever parsing or encoding them. Each read
/// of ``value`` on such an event parses the text again, so a stage that reads
/// takes ``loadValue()`` once: it parses, keeps the tree beside the text, and an
/// unchanged event is still written from its original bytes. Changing the value
/// (`event.value[...] = ...`) parses at most once and drops the text.
public struct Event: Sendable, Equatable {
    private enum Payload: Sendable {
        /// JSON text already checked by ``JSONParser/validate(buffer:)``; `uniqueKeys`: no
        /// object in it repeats a key (lookups may stop at the first match); `rootKeys`: the
        /// root object's keys, as far as known.
        case json(ArraySlice<UInt8>, uniqueKeys: Bool, rootKeys: KeyFilter)
        /// The text and the tree built from it, while unchanged.
        case parsed(JSONValue, ArraySlice<UInt8>)
        case value(JSONValue)
    }

    private var payload: Payload

    /// Where and when the event entered the pipeline.
    public var metadata: EventMetadata

    /// An event with this value.
    public init(value: JSONValue, metadata: EventMetadata = EventMetadata()) {
        self.payload = .value(value)
        self.metadata = metadata
    }

    /// An event holding JSON text that ``JSONParser/validate(buffer:)`` accepted.
    ///
    /// The slice may share a larger read buffer: no bytes are copied. Pass `uniqueKeys: true`
    /// only when no object in the text repeats a key (``JSONParser/validateReportingKeys(buffer:)``
    /// tells): field lookups then stop at the first match instead of scanning for a later one.
    public init(validatedJSON text: ArraySlice<UInt8>, metadata: EventMetadata = EventMetadata(), uniqueKeys: Bool = false) {
        self.init(validatedJSON: text, metadata: metadata, uniqueKeys: uniqueKeys, rootKeys: .unknown)
    }

    /// An event holding checked JSON text whose root object's keys are known to be among
    /// `rootKeys` (``KeyFilter/unknown`` when not known).
    init(validatedJSON text: ArraySlice<UInt8>, metadata: EventMetadata, uniqueKeys: Bool, rootKeys: KeyFilter) {
        self.payload = .json(text, uniqueKeys: uniqueKeys, rootKeys: uniqueKeys ? rootKeys : .unknown)
        self.metadata = metadata
    }

    /// About how many bytes the event holds: its text, or for a built value the text it would
    /// take. What bounds a buffer's memory besides its count of events.
    public var approximateBytes: Int {
        switch payload {
        case .json(let text, _, _), .parsed(_, let text): text.count
        case .value(let value): Self.approximateBytes(of: value)
        }
    }

    private static func approximateBytes(of value: JSONValue) -> Int {
        switch value {
        case .null, .bool, .int, .double: 8
        case .number(let text), .string(let text): text.utf8.count + 2
        case .array(let elements): elements.reduce(2) { $0 + 1 + approximateBytes(of: $1) }
        case .object(let object): object.members.reduce(2) { $0 + 4 + $1.key.utf8.count + approximateBytes(of: $1.value) }
        }
    }

    /// The payload.
    public var value: JSONValue {
        get {
            switch payload {
            case .value(let value), .parsed(let value, _): return value
            case .json(let text, _, _): return Self.parse(text)
            }
        }
        set {
            payload = .value(newValue)
        }
        _modify {
            var value = self.value
            payload = .value(.null)
            defer { payload = .value(value) }
            yield &value
        }
    }

    /// Builds the value once (if the event holds only text) and keeps it; returns it.
    @discardableResult
    public mutating func loadValue() -> JSONValue {
        switch payload {
        case .value(let value), .parsed(let value, _): return value
        case .json(let text, _, _):
            let value = Self.parse(text)
            payload = .parsed(value, text)
            return value
        }
    }

    /// The exact JSON text the event was read from, while its value is unchanged.
    public var rawJSON: ArraySlice<UInt8>? {
        switch payload {
        case .json(let text, _, _), .parsed(_, let text): return text
        case .value: return nil
        }
    }

    /// The text, while no tree has been built from it (for ``EvaluationSubject``), whether
    /// its keys are known to be unique, and the root object's keys as far as known.
    var unparsedText: (text: ArraySlice<UInt8>, uniqueKeys: Bool, rootKeys: KeyFilter)? {
        if case .json(let text, let uniqueKeys, let rootKeys) = payload { return (text, uniqueKeys, rootKeys) }
        return nil
    }

    /// Changes the text of an event whose keys are known unique, in place: with the payload
    /// emptied while `edit` runs, the text's buffer is referenced by `edit` alone when this
    /// event was its only holder, so growing it need not copy. `edit` returns false to leave
    /// the event as it was (it must then not have changed the text).
    mutating func editText(_ edit: (inout ArraySlice<UInt8>, inout KeyFilter) -> Bool) -> Bool {
        guard case .json(var text, true, var rootKeys) = payload else { return false }
        payload = .value(.null)
        let edited = edit(&text, &rootKeys)
        payload = .json(text, uniqueKeys: true, rootKeys: rootKeys)
        return edited
    }

    /// Copies the event's text out of the buffer it may share with other events (a 1 MiB
    /// read chunk, a request body) into one of its own, so that keeping this event does not
    /// keep the whole buffer alive.
    mutating func detachText() {
        switch payload {
        case .json(let text, let uniqueKeys, let rootKeys):
            payload = .json(ArraySlice(Array(text)), uniqueKeys: uniqueKeys, rootKeys: rootKeys)
        case .parsed(let value, let text):
            payload = .parsed(value, ArraySlice(Array(text)))
        case .value:
            break
        }
    }

    /// Appends the event's compact JSON text to `buffer`, re-using the original text when it has one.
    public func writeJSON(into buffer: inout [UInt8]) {
        switch payload {
        case .json(let text, _, _), .parsed(_, let text): buffer.append(contentsOf: text)
        case .value(let value): JSONWriter.write(value, into: &buffer)
        }
    }

    private static func parse(_ text: ArraySlice<UInt8>) -> JSONValue {
        do {
            return try text.withUnsafeBufferPointer { try JSONParser().parse(buffer: $0) }
        } catch {
            preconditionFailure("Event(validatedJSON:) was given text that is not valid JSON: \(error)")
        }
    }

    public static func == (lhs: Event, rhs: Event) -> Bool {
        lhs.value == rhs.value && lhs.metadata == rhs.metadata
    }
}
