/// Splits a byte stream into lines, holding back an unfinished last line until more data comes.
struct LineSplitter {
    private var pending: [UInt8] = []
    /// Lines handed out so far (for line numbers in messages).
    private(set) var lineCount = 0

    /// Whether a partial line is held back.
    var hasPartialLine: Bool { !pending.isEmpty }

    /// Calls `body` with each complete line (without its newline) in `chunk`.
    mutating func split(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        var start = 0
        while start < chunk.count {
            let rest = UnsafeBufferPointer(rebasing: chunk[start...])
            guard let newline = rest.firstIndex(of: 0x0A) else { break }
            lineCount += 1
            if pending.isEmpty {
                body(UnsafeBufferPointer(rebasing: chunk[start..<newline]), lineCount)
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<newline]))
                pending.withUnsafeBufferPointer { body($0, lineCount) }
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        if start < chunk.count { pending.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start...])) }
    }

    /// Hands out the held-back partial line, if any (at the end of the input).
    mutating func finish(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        guard !pending.isEmpty else { return }
        lineCount += 1
        pending.withUnsafeBufferPointer { body($0, lineCount) }
        pending.removeAll()
    }

    /// Forgets a held-back partial line (the file was truncated under it).
    mutating func reset() { pending.removeAll() }
}
