import Logging
import ServiceLifecycle

/// A Hummingbird application in a service group of its own, stopped only gracefully: the
/// listener closes first, then requests in flight are answered (for at most `stopGrace`),
/// then what is left is cancelled.
///
/// Cancelling a Hummingbird server while it still accepts drops the connections being set
/// up, and NIO stops the process on that (`Deinited NIOAsyncWriter without calling
/// finish()`). So the caller's cancellation never reaches the server: it asks for a graceful
/// shutdown instead.
public struct GracefulServer: Sendable {
    private let group: ServiceGroup

    /// `app` (the Hummingbird `Application`), stopped within `stopGrace` of a shutdown.
    public init(_ app: some Service, stopGrace: Duration, logger: Logger) {
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger)
        configuration.maximumGracefulShutdownDuration = stopGrace
        group = ServiceGroup(configuration: configuration)
    }

    /// Serves until ``shutDown()`` or until the calling task is cancelled; either way the
    /// shutdown is graceful. Returns once the server has closed.
    public func run() async throws {
        let group = self.group
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// Starts the graceful shutdown (remembered if `run` has not started yet).
    public func shutDown() async {
        await group.triggerGracefulShutdown()
    }
}
