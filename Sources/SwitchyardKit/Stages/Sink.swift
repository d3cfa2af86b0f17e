/// A stage that takes events out of the pipeline.
///
/// `run` consumes batches from `input` until it ends (the graph is drained),
/// then makes everything durable and returns. Throwing reports the stage as failed.
public protocol Sink: StageType {
    func run(input: SinkInput) async throws
}
