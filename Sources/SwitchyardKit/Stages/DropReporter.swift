import Logging
import Synchronization

/// Counts and logs, rate-limited, the events a stage could not handle: the one place where
/// "drop it, count it, say why" is written. Reach it as `context.problems`.
///
/// Every call is counted in the stage's metrics; the first ``logLimit`` calls in each minute
/// are logged one by one, the rest of that minute are summed up in one line when the next
/// minute's first problem is logged (and in the stage summary at exit).
public final class DropReporter: Sendable {
    /// Problems logged one by one per minute.
    public static let logLimit = 20
    private static let window = Duration.seconds(60)

    private struct State {
        var windowStart = ContinuousClock.now
        var logged = 0
        var suppressed = 0
    }

    private let logger: Logger
    private let metrics: StageMetrics
    private let state = Mutex(State())

    init(logger: Logger, metrics: StageMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    /// `count` events are lost because of `reason`: counted as dropped and as one error, logged rate-limited.
    public func drop(_ count: Int = 1, because reason: @autoclosure () -> String) {
        metrics.addDropped(count)
        metrics.addErrors(1)
        log { "\(reason()) (\(count == 1 ? "event" : "\(count) events") dropped)" }
    }

    /// An input the stage could not use (a line or frame that is not JSON, say): counted as an
    /// error, logged rate-limited. Nothing accepted was lost: it never became an event.
    public func reject(_ reason: @autoclosure () -> String) {
        metrics.addErrors(1)
        log(reason)
    }

    /// Events a sink's destination refused for good, each with the reason: appended to
    /// `deadLetter` when there is one (counted as errors: nothing was lost), else dropped.
    /// Should the dead-letter file fail, they are dropped, counted, with its error.
    public func refuse(_ refused: [(event: Event, reason: String)], deadLetter: DeadLetterFile?) {
        guard !refused.isEmpty else { return }
        guard let deadLetter else {
            for (_, reason) in refused { drop(because: reason) }
            return
        }
        do {
            try deadLetter.append(refused.map(\.event))
            for (_, reason) in refused { reject("\(reason); the event went to \(deadLetter.path)") }
        } catch {
            drop(refused.count, because: "\(refused.first?.reason ?? "refused"), and the dead-letter file failed: \(error)")
        }
    }

    private func log(_ message: () -> String) {
        let now = ContinuousClock.now
        let (shouldLog, suppressedBefore, isLast) = state.withLock { state -> (Bool, Int, Bool) in
            var suppressedBefore = 0
            if now - state.windowStart >= Self.window {
                suppressedBefore = state.suppressed
                state = State(windowStart: now)
            }
            guard state.logged < Self.logLimit else {
                state.suppressed += 1
                return (false, 0, false)
            }
            state.logged += 1
            return (true, suppressedBefore, state.logged == Self.logLimit)
        }
        guard shouldLog else { return }
        if suppressedBefore > 0 { logger.warning("\(suppressedBefore) more problems in the last minute were counted, not logged") }
        logger.warning("\(message())\(isLast ? "; further problems this minute are counted, not logged" : "")")
    }
}
