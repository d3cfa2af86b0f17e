import SwitchyardKit

/// The loop the text sinks share: encode each batch into one buffer per target
/// (a file path, or stdout), and write the buffers out whole when the input goes
/// idle, when they grow large, or when `flushInterval` has passed.
///
/// Only complete lines are ever handed to `write`. Batches are acknowledged once
/// `flushed` says what was written is durable.
struct LineSinkLoop {
    /// Above this many buffered bytes the buffers are written even under load.
    static let highWater = 256 * 1024

    let encoding: OutputEncoding
    let flushInterval: Duration
    let metrics: StageMetrics

    /// Runs until the input ends.
    /// - Parameters:
    ///   - target: where an event goes; nil drops it (the caller counts and logs why).
    ///   - write: writes a buffer of whole lines to a target (it may wait, holding the input back).
    ///   - flushed: called after every round of writes, with whether the input is idle (or
    ///     ended); returns whether everything written so far is durable now (after an fsync,
    ///     say). Until it does, the batches written stay unacknowledged.
    func run(input: SinkInput, target: (Event) -> String?, write: (String, [UInt8]) async throws -> Void,
             flushed: (_ idle: Bool) throws -> Bool = { _ in true }) async throws {
        var buffers: [String: [UInt8]] = [:]
        // The buffer of the target the last event went to, kept out of the dictionary so that a
        // run of events for one target (all of them, for a constant path) costs no lookups.
        var currentKey: String?
        var current: [UInt8] = []
        var buffered = 0
        var pendingEvents = 0
        var lastFlush = ContinuousClock.now
        var written: [DeliveryReceipt] = []

        func flush(idle: Bool) async throws {
            if let key = currentKey, !current.isEmpty { try await write(key, current) }
            current.removeAll(keepingCapacity: true)
            for (key, bytes) in buffers where !bytes.isEmpty { try await write(key, bytes) }
            buffers.removeAll(keepingCapacity: true)
            metrics.addOut(pendingEvents)
            buffered = 0
            pendingEvents = 0
            written.append(input.receipt())
            if try flushed(idle) {
                written.forEach { $0.acknowledge() }
                written.removeAll()
            }
        }

        while let batch = await input.next() {
            for event in batch.events {
                guard let key = target(event) else { continue }
                if key != currentKey {
                    if let previous = currentKey { buffers[previous] = current }
                    current = buffers.removeValue(forKey: key) ?? []
                    currentKey = key
                }
                let before = current.count
                encoding.append(event, to: &current)
                buffered += current.count - before
                pendingEvents += 1
            }
            let now = ContinuousClock.now
            let idle = input.isIdle
            if idle || buffered >= Self.highWater || now - lastFlush >= flushInterval {
                try await flush(idle: idle)
                lastFlush = now
            }
        }
        try await flush(idle: true)
    }
}
