/// Why a configuration could not be applied to a running pipeline; the pipeline runs on as before.
public enum ReloadError: Error, Sendable, CustomStringConvertible {
    /// Stages of the new configuration could not be made (each with its error).
    case stages([PipelineFailure.StageFailure])
    /// The change itself cannot be applied while running.
    case refused(String)

    public var description: String {
        switch self {
        case .stages(let failures): failures.map { "stage '\($0.stageID)': \($0.message)" }.joined(separator: "\n")
        case .refused(let reason): reason
        }
    }
}
