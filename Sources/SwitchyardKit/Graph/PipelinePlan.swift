/// A pipeline that loaded and passed every check: ready to run, draw or list.
public struct PipelinePlan: Sendable {
    /// The file it came from.
    public var file: String
    /// Where stages keep state (`data_dir`), if set.
    public var dataDirectory: String?
    /// The stages, sources first, then transforms, then sinks, each in file order.
    public var stages: [PlannedStage]
    /// Problems that do not stop the pipeline (e.g. an output nobody consumes).
    public var warnings: [Diagnostic]
    /// The unit tests of the `tests:` section (run by `switchyard test`).
    public var tests: [PipelineTestCase] = []
    /// Where the HTTP API listens (`api:`), if it is on.
    public var api: APIConfiguration?

    /// The stage with this id.
    public func stage(_ id: String) -> PlannedStage? { stages.first { $0.id == id } }

    /// Every edge of the graph: (producer reference, consumer id).
    public var edges: [(from: InputReference, to: String)] {
        stages.flatMap { stage in stage.inputs.map { (from: $0, to: stage.id) } }
    }
}
