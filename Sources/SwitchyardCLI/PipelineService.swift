import Logging
import ServiceLifecycle
import Synchronization
import SwitchyardKit

/// The pipeline as a service of the process's `ServiceGroup`: a graceful shutdown (the
/// first SIGINT/SIGTERM) stops the sources and waits for the graph to drain. Its end (the
/// sources ran out, or a stage failed) shuts the rest of the group down.
final class PipelineService: Service {
    let pipeline: Pipeline
    /// Where the stages run (`--threads`), or nil for Swift's global pool.
    private let threads: StageThreads?
    private let logger: Logger
    private let failure = Mutex<(any Error)?>(nil)

    init(pipeline: Pipeline, threads: StageThreads? = nil, logger: Logger) {
        self.pipeline = pipeline
        self.threads = threads
        self.logger = logger
    }

    /// The error the pipeline ended with, if it failed.
    var error: (any Error)? { failure.withLock { $0 } }

    func run() async {
        let pipeline = self.pipeline
        let threads = self.threads
        do {
            try await withGracefulShutdownHandler {
                try await pipeline.run(on: threads)
            } onGracefulShutdown: {
                pipeline.stop()
            }
        } catch {
            failure.withLock { $0 = error }
        }
    }
}

/// A helper task of `run` (the reloader, the progress lines, the API server): runs until the
/// group shuts down gracefully, then is cancelled.
struct BackgroundService: Service {
    let body: @Sendable () async -> Void

    func run() async {
        await cancelWhenGracefulShutdown { await body() }
    }
}
