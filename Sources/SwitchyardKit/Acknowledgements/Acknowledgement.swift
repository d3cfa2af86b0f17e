import Synchronization

/// A batch's acknowledgement token: it completes once every consumer that the batch (or
/// what a transform made of it) reached has finished with it.
///
/// A source that wants to know when its events are durable (to move a checkpoint, or to
/// answer a client) makes one token per batch and hands it over with
/// ``SourceOutput/send(_:acknowledgement:)``. The runtime holds the token once per
/// buffer the batch sits in; sinks release it through a ``DeliveryReceipt`` once their
/// write is durable. Cost: one object per batch, never one per event.
public final class Acknowledgement: Sendable {
    private struct State {
        var holds = 1
        var failed = false
        var dropped = false
    }

    private let state = Mutex(State())
    private let onComplete: @Sendable (DeliveryOutcome) -> Void

    /// A token held once, by its maker, until it is sent. `onComplete` runs exactly once,
    /// on whichever task releases the last hold: keep it short.
    public init(onComplete: @escaping @Sendable (DeliveryOutcome) -> Void) {
        self.onComplete = onComplete
    }

    /// Adds a hold (the batch entered one more buffer or one more pending write).
    func retain() {
        state.withLock { $0.holds += 1 }
    }

    /// Records that events of the batch were dropped by a `drop_newest` buffer (still a completion).
    func markDropped() {
        state.withLock { $0.dropped = true }
    }

    /// Records that events of the batch could not be made durable.
    func markFailed() {
        state.withLock { $0.failed = true }
    }

    /// Releases one hold; the last release completes the token.
    func release() {
        let outcome = state.withLock { state -> DeliveryOutcome? in
            state.holds -= 1
            guard state.holds == 0 else { return nil }
            return state.failed ? .failed : (state.dropped ? .partlyDropped : .delivered)
        }
        if let outcome { onComplete(outcome) }
    }
}

/// How a batch's journey through the pipeline ended.
public enum DeliveryOutcome: Sendable, Hashable {
    /// Every sink it reached made it durable (events a transform discarded on purpose count as done).
    case delivered
    /// Done, but a `drop_newest` buffer dropped some of it (a configured, counted drop).
    case partlyDropped
    /// A sink (or a stage on the way) failed some of it: not durable.
    case failed
}
