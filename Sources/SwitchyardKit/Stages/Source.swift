/// A stage that brings events into the pipeline.
///
/// `run` pushes batches into `output` until the source has nothing more to give
/// (then it returns, and the graph drains) or its task is cancelled (the
/// pipeline is stopping: return promptly; batches already sent are delivered).
/// Throwing reports the stage as failed.
public protocol Source: StageType {
    func run(output: SourceOutput) async throws
}
