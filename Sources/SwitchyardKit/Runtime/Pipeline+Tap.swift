import Synchronization

extension Pipeline {
    /// Starts copying the events that leave the named stage outputs (`stage` for the default
    /// output, `stage.output` for a named one) into a new ``Tap`` holding at most `capacity`
    /// events for its reader. Throws when a reference names no output of a running stage.
    public func tap(_ references: [String], capacity: Int = 10_000) throws(TapError) -> Tap {
        let ports = try runtime.withLock { runtime throws(TapError) -> [(String, OutputPort)] in
            if runtime.hasEnded { throw TapError(description: "the pipeline has ended") }
            return try references.map { reference throws(TapError) in
                let parsed = InputReference(parsing: reference, at: SourceLocation(file: "tap", line: 1, column: 1))
                guard let slot = runtime.slots[parsed.stageID] else {
                    if runtime.plan.stages.contains(where: { $0.id == parsed.stageID }) {
                        throw TapError(description: "'\(parsed.stageID)' has not started yet; try again in a moment")
                    }
                    let known = runtime.plan.stages.filter { $0.kind != .sink }.map(\.id)
                    var message = "no stage '\(parsed.stageID)'"
                    if let suggestion = Suggestion.closest(to: parsed.stageID, in: known) { message += "; did you mean '\(suggestion)'?" }
                    throw TapError(description: message + "; stages with outputs: " + known.joined(separator: ", "))
                }
                guard let port = slot.port(parsed.output) else {
                    if slot.stage.kind == .sink {
                        throw TapError(description: "'\(parsed.stageID)' is a sink and has no output; tap its inputs: "
                                       + slot.stage.inputs.map(\.description).joined(separator: ", "))
                    }
                    let outputs = [slot.stage.id] + slot.stage.namedOutputs.map { "\(slot.stage.id).\($0)" }
                    throw TapError(description: "'\(reference)' is not an output; outputs of '\(slot.stage.id)': " + outputs.joined(separator: ", "))
                }
                return (reference, port)
            }
        }
        let tap = Tap(capacity: capacity)
        for (reference, port) in ports { port.addTap(tap, as: reference) }
        let id = ObjectIdentifier(tap)
        tap.whenCancelled { [weak self] in
            for (_, port) in ports { port.removeTap(tap) }
            self?.taps.withLock { $0[id] = nil }
        }
        let ended = runtime.withLock { runtime in
            if !runtime.hasEnded { taps.withLock { $0[id] = tap } }
            return runtime.hasEnded
        }
        if ended { tap.end() }
        return tap
    }

    /// Ends every tap (the pipeline has ended).
    func endTaps() {
        let all = taps.withLock { taps in
            defer { taps = [:] }
            return Array(taps.values)
        }
        all.forEach { $0.end() }
    }
}
