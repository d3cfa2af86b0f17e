import Logging
import Synchronization
import SwitchyardKit

/// Moves a file source's checkpoint as its batches are acknowledged, and keeps it on disk.
///
/// Each batch sent is tracked with the checkpoint it would give (the end of its last whole
/// line). Acknowledgements may come back in any order (fan-out to several sinks); the
/// checkpoint moves to the end of the longest prefix of batches that are all acknowledged.
/// It is saved at most every ``saveInterval``, at once when nothing is left in flight, and
/// a deferred save is scheduled otherwise, so it is on disk about 100 ms after it moved.
final class CheckpointKeeper: Sendable {
    static let saveInterval = Duration.milliseconds(100)

    private struct State {
        var inFlight = AcknowledgedPrefix<FileCheckpoint>()
        var acknowledged: FileCheckpoint?
        var saved: FileCheckpoint?
        var lastSave = ContinuousClock.now - .seconds(1)
        var saveScheduled = false
        var warnedFailure = false
        /// Saves that failed since the last one that worked (a full disk, say): logged at
        /// most once a minute, since a save is tried every ~100 ms.
        var saveFailures = RepeatingFailure(interval: .seconds(60))
    }

    private let state = Mutex(State())
    /// Serializes writes of the checkpoint file.
    private let writer = Mutex(())
    private let directory: String
    private let logger: Logger

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// Starts tracking a batch that ends at `checkpoint`; the token completes it.
    func track(_ checkpoint: FileCheckpoint) -> Acknowledgement {
        let sequence = state.withLock { $0.inFlight.track(checkpoint) }
        return Acknowledgement { [self] outcome in complete(sequence, outcome: outcome) }
    }

    private func complete(_ sequence: Int, outcome: DeliveryOutcome) {
        let (warn, saveNow, schedule) = state.withLock { state -> (FileCheckpoint?, Bool, Bool) in
            var warn: FileCheckpoint?
            if outcome == .failed, !state.warnedFailure {
                state.warnedFailure = true
                warn = state.inFlight.end(of: sequence)
            }
            if let moved = state.inFlight.complete(sequence, delivered: outcome != .failed) { state.acknowledged = moved }
            guard state.acknowledged != state.saved else { return (warn, false, false) }
            if state.inFlight.isEmpty || ContinuousClock.now - state.lastSave >= Self.saveInterval {
                return (warn, true, false)
            }
            if state.saveScheduled { return (warn, false, false) }
            state.saveScheduled = true
            return (warn, false, true)
        }
        if let warn {
            logger.warning("events before byte \(warn.offset) were not delivered by a sink; the checkpoint stays before them, a restart reads them again")
        }
        if saveNow { save() }
        if schedule {
            Task {
                try? await Task.sleep(for: Self.saveInterval)
                state.withLock { $0.saveScheduled = false }
                save()
            }
        }
    }

    /// Writes the acknowledged checkpoint if it moved since the last write.
    func save() {
        writer.withLock { _ in
            let pending = state.withLock { state -> FileCheckpoint? in
                guard let acknowledged = state.acknowledged, acknowledged != state.saved else { return nil }
                state.lastSave = .now
                return acknowledged
            }
            guard let pending else { return }
            do {
                try pending.save(to: directory)
                let ended = state.withLock { state -> Int in
                    state.saved = pending
                    return state.saveFailures.succeeded()
                }
                if ended > 0 { logger.notice("the checkpoint is saved again, after \(ended) failed attempts") }
            } catch {
                if let failures = state.withLock({ $0.saveFailures.failed() }) {
                    logger.warning("cannot save the checkpoint in \(directory): \(error)\(RepeatingFailure.note(failures))")
                }
            }
        }
    }
}
