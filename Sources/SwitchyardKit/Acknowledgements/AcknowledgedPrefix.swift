/// Batches in flight, in the order they were sent, each with the position it ends at; their
/// acknowledgements may come back in any order (fan-out, concurrent sinks). The acknowledged
/// position is the end of the longest prefix of batches that are all done: what a checkpoint
/// or a buffer cursor may move to. A failed batch is never done, so the position stays before it.
///
/// Not synchronized: its owner keeps it under its own lock.
public struct AcknowledgedPrefix<Position: Sendable>: Sendable {
    private var entries: [(end: Position, done: Bool)] = []
    /// Sequence number of `entries[0]`.
    private var first = 0

    public init() {}

    /// Whether no tracked batch is waiting for its acknowledgement.
    public var isEmpty: Bool { entries.isEmpty }

    /// Tracks a batch that ends at `end`; returns the sequence number to complete it with.
    public mutating func track(_ end: Position) -> Int {
        entries.append((end, false))
        return first + entries.count - 1
    }

    /// Records the outcome of batch `sequence`; returns the new acknowledged position if it moved.
    public mutating func complete(_ sequence: Int, delivered: Bool) -> Position? {
        if delivered { entries[sequence - first].done = true }
        var advanced = 0
        while advanced < entries.count, entries[advanced].done { advanced += 1 }
        guard advanced > 0 else { return nil }
        let end = entries[advanced - 1].end
        entries.removeFirst(advanced)
        first += advanced
        return end
    }

    /// Where batch `sequence` ends (while it is tracked).
    public func end(of sequence: Int) -> Position { entries[sequence - first].end }
}
