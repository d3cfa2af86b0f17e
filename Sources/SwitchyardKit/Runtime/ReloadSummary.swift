/// What a reload did, stage by stage.
public struct ReloadSummary: Sendable, CustomStringConvertible {
    /// Stages new in the configuration, now started.
    public var added: [String] = []
    /// Stages whose type, options or buffer changed: the old instance drained, a new one took over.
    public var changed: [String] = []
    /// Stages that had ended and, still configured, were started again.
    public var restarted: [String] = []
    /// Stages no longer configured: drained and stopped.
    public var removed: [String] = []
    /// Stages left running as they were (their inputs may have been rewired).
    public var unchanged: [String] = []

    /// Whether the reload changed no stage.
    public var changedNothing: Bool { added.isEmpty && changed.isEmpty && restarted.isEmpty && removed.isEmpty }

    public var description: String {
        let parts = [("added", added), ("changed", changed), ("restarted", restarted), ("removed", removed)]
            .filter { !$0.1.isEmpty }
            .map { "\($0.0): \($0.1.joined(separator: ", "))" }
        return parts.isEmpty ? "no stage changed" : parts.joined(separator: "; ")
    }
}
