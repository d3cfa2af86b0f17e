/// Thrown by the testing stages when they run outside a ``PipelineHarness`` (which hands them
/// their stores): their events would otherwise go nowhere.
public struct HarnessRequired: Error, CustomStringConvertible {
    let typeName: String
    public var description: String { "the '\(typeName)' stage keeps its state in a PipelineHarness; run it with one" }
}
