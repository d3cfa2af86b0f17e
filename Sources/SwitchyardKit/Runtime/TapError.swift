/// Why a tap could not be set up.
public struct TapError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the reference and what would be valid.
    public let description: String
}
