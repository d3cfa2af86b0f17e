/// The stages that failed while a pipeline ran, each with its error.
public struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    /// One failed stage.
    public struct StageFailure: Sendable {
        public var stageID: String
        public var message: String
    }

    public var failures: [StageFailure]

    public var description: String {
        failures.map { "stage '\($0.stageID)' failed: \($0.message)" }.joined(separator: "\n")
    }
}
