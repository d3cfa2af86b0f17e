/// What the runtime keeps for one stage id across reloads: its current instance, its input
/// buffer and its output ports (which successive instances share).
struct StageSlot: Sendable {
    /// The stage as the current configuration plans it.
    var stage: PlannedStage
    /// The instance running (or that ran) for this id.
    var instance: StageInstance
    /// The input buffer (transforms and sinks).
    var channel: (any StageInputBuffer)?
    /// The output ports by output name; "" is the default output.
    var ports: [String: OutputPort]

    /// The port of `output` (nil: the default one).
    func port(_ output: String?) -> OutputPort? { ports[output ?? ""] }
}
