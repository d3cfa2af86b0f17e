import Synchronization

/// One made instance of a stage, running as one task: a reload may replace it with the next.
final class StageInstance: Sendable {
    /// The stage as planned when this instance was made.
    let stage: PlannedStage
    /// The source, transform or sink itself.
    let made: AnyStage
    /// Fired to stop this instance alone (a source a reload removed or replaced).
    let retire = StopSignal()
    /// Fired once the instance's task has ended.
    let done = StopSignal()
    private let state = Mutex<(replaced: Bool, ended: Bool)>((false, false))

    init(stage: PlannedStage, made: AnyStage) {
        self.stage = stage
        self.made = made
    }

    /// Whether the task has ended.
    var hasEnded: Bool { state.withLock { $0.ended } }

    /// A successor takes over this instance's ports; false if the instance has already ended.
    func markReplaced() -> Bool {
        state.withLock { state in
            guard !state.ended else { return false }
            state.replaced = true
            return true
        }
    }

    /// Records the end of the task; returns whether the stage ends with it (no successor),
    /// so that its outputs finish.
    func markEnded() -> Bool {
        state.withLock { state in
            state.ended = true
            return !state.replaced
        }
    }
}
