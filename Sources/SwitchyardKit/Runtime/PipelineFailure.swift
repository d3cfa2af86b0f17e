/// The stages that failed while a pipeline ran, each with its error.
public struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    /// One failed stage.
    public struct StageFailure: Sendable {
        /// The failed stage's id.
        public var stageID: String
        /// Why it failed.
        public var message: String
    }

    /// Every stage that failed.
    public var failures: [StageFailure]

    public var description: String {
        failures.map { "stage '\($0.stageID)' failed: \($0.message)" }.joined(separator: "\n")
    }
}
