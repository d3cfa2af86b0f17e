/// A stage of a checked pipeline: where it sits in the graph and how to make it.
public struct PlannedStage: Sendable {
    /// The stage's id.
    public var id: String
    /// Whether it is a source, transform or sink.
    public var kind: StageKind
    /// Its `type:`.
    public var typeName: String
    /// Where the stage is declared (its id).
    public var location: SourceLocation
    /// The stages (or named outputs) it takes events from.
    public var inputs: [InputReference]
    /// Outputs besides the default one.
    public var namedOutputs: [String]
    /// Whether `namedOutputs` is known: false for a stage whose options did not load (its
    /// outputs depend on them), so that no reference to its outputs is reported falsely.
    public var outputsKnown = true
    /// The stage's input buffer (sinks and transforms).
    public var buffer: BufferPolicy
    /// The stage's `type`, options and `buffer` as written (after `${VAR}`), in a canonical
    /// form: a reload compares it to tell a changed stage from an unchanged one. It may hold
    /// secrets; it is never printed.
    public var definition = ""
    /// Makes the stage.
    public var make: @Sendable (StageContext) throws -> AnyStage
}
