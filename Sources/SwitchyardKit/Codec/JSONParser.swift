/// A byte-level JSON parser for the event hot path.
///
/// Strict RFC 8259: one value with optional surrounding white space, valid UTF-8,
/// no trailing commas, no comments, no leading zeros. Errors carry the byte
/// offset. Nesting deeper than ``maximumDepth`` is an error, not a stack overflow.
public struct JSONParser: Sendable {
    /// The default nesting limit (arrays and objects inside each other).
    public static let defaultMaximumDepth = 128

    /// How deep arrays and objects may nest.
    public var maximumDepth: Int

    /// A parser that refuses nesting deeper than `maximumDepth` (a guard against stack exhaustion).
    public init(maximumDepth: Int = JSONParser.defaultMaximumDepth) {
        self.maximumDepth = maximumDepth
    }

    /// Parses one JSON text. Throws ``JSONParseError``.
    public func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parseResult($0).get() }
    }

    /// Parses one JSON text. Throws ``JSONParseError``.
    public func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parseResult($0).get() }
    }

    /// Parses one JSON text held in `buffer`. Throws ``JSONParseError``.
    public func parse(buffer: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        try parseResult(buffer).get()
    }

    /// Checks that `buffer` holds one valid JSON text, without building its value (no allocation).
    /// Throws ``JSONParseError`` exactly where ``parse(buffer:)`` would.
    public func validate(buffer: UnsafeBufferPointer<UInt8>) throws {
        _ = try validateReportingKeyFilter(buffer: buffer)
    }

    /// ``validate(buffer:)``, and whether every object's keys are distinct: true means no
    /// object repeats a key (compared byte for byte; a key with an escape counts as a possible
    /// repeat), so a lookup may stop at the first member with the name it wants.
    public func validateReportingKeys(buffer: UnsafeBufferPointer<UInt8>) throws -> Bool {
        try validateReportingKeyFilter(buffer: buffer).uniqueKeys
    }

    /// ``validateReportingKeys(buffer:)``, and the root object's keys as a filter
    /// (``KeyFilter/unknown`` when the keys are not known to be unique).
    func validateReportingKeyFilter(buffer: UnsafeBufferPointer<UInt8>) throws -> (uniqueKeys: Bool, rootKeys: KeyFilter) {
        var validator = JSONValidator(bytes: buffer, maximumDepth: maximumDepth)
        do {
            try validator.validate()
        } catch {
            // The reader says where and why. Should it accept the text after all, the text is
            // valid, and nothing is assumed about its keys.
            _ = try parseResult(buffer).get()
            return (false, .unknown)
        }
        return (validator.keysAreUnique, validator.keysAreUnique ? validator.rootKeys : .unknown)
    }

    private func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var reader = JSONByteReader(bytes: buffer, maximumDepth: maximumDepth)
        return read(&reader)
    }

    private func read(_ reader: inout JSONByteReader) -> Result<JSONValue, JSONParseError> {
        do throws(JSONParseError) {
            reader.skipWhitespace()
            let value = try reader.readValue(depth: 0)
            reader.skipWhitespace()
            if reader.position < reader.bytes.count {
                throw reader.error("unexpected data after the value")
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}
