/// Why a text is not valid JSON, and the byte offset where that was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The zero-based byte offset of the offending byte in the input.
    public let offset: Int
    /// What is wrong there.
    public let reason: String

    /// Creates an error at byte `offset` of the text.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
