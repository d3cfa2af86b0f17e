#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import SwitchyardKit

/// Waits out a full disk: a write to a regular file that fails with `ENOSPC` or `EDQUOT` is tried again after
/// a growing pause (``firstPause`` doubling to ``longestPause``) for as long as the pipeline
/// runs. The sink takes no more input meanwhile, so backpressure reaches the sources and
/// nothing is dropped; space freed (a log rotated, a quota raised) resumes the writes. Once
/// the pipeline is stopping, the error stands: the sink fails and its events stay
/// unacknowledged (a file source's checkpoint stays before them).
struct DiskFullWait {
    static let firstPause = Duration.seconds(1)
    static let longestPause = Duration.seconds(30)

    let context: StageContext
    /// Counts each retry, for the sink's metrics.
    let onRetry: @Sendable () -> Void

    /// Whether `error` says a filesystem (or the user's quota on it) is full. A device that
    /// refuses writes (`/dev/full`) will refuse them forever: that is a failure, not a wait.
    static func isOutOfSpace(_ error: any Error) -> Bool {
        guard let error = error as? WriteError, error.isOutOfSpace else { return false }
        var info = stat()
        guard stat(error.target, &info) == 0 else { return true }  // not made yet, on a full filesystem
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Runs `write`, retrying it while it fails for want of space and the pipeline runs.
    func run(_ what: @autoclosure () -> String, _ write: () throws -> Void) async throws {
        var pause = Self.firstPause
        var waited = Duration.zero
        while true {
            do {
                try write()
                if waited > .zero {
                    context.logger.notice("space again: \(what()) written after waiting \(waited) for a full disk")
                }
                return
            } catch where Self.isOutOfSpace(error) && !context.isStopping {
                onRetry()
                context.logger.warning("\(error); the input is held back, trying again in \(pause)")
                waited += try await context.pauseUnlessStopping(for: pause)
                pause = min(pause * 2, Self.longestPause)
            }
        }
    }
}
