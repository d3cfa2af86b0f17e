/// One entry of a stage's `inputs`: a stage id, optionally with a named output (`router.errors`).
public struct InputReference: Sendable, Hashable, CustomStringConvertible {
    /// The id of the stage named.
    public var stageID: String
    /// The named output, or nil for the default one.
    public var output: String?
    /// Where the reference is written.
    public var location: SourceLocation

    /// Parses `stage` or `stage.output`, written at `location`.
    public init(parsing text: String, at location: SourceLocation) {
        if let dot = text.firstIndex(of: ".") {
            stageID = String(text[..<dot])
            output = String(text[text.index(after: dot)...])
        } else {
            stageID = text
            output = nil
        }
        self.location = location
    }

    public var description: String { output.map { "\(stageID).\($0)" } ?? stageID }
}
