import Foundation
import SwitchyardKit

/// The loop the text sinks share: encode each batch into a buffer, and write it
/// out whole when the input goes idle, the buffer is large, or `flushInterval` passed.
///
/// Only complete lines are ever handed to `write`.
struct LineSinkLoop {
    /// Above this many buffered bytes the buffer is written even under load.
    static let highWater = 256 * 1024

    let encoding: OutputEncoding
    let flushInterval: Duration
    let metrics: StageMetrics

    func run(input: SinkInput, write: ([UInt8]) throws -> Void) async throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.highWater * 2)
        var lastFlush = ContinuousClock.now
        while let batch = await input.next() {
            for event in batch.events { encoding.append(event, to: &buffer) }
            let now = ContinuousClock.now
            if input.isIdle || buffer.count >= Self.highWater || now - lastFlush >= flushInterval {
                try write(buffer)
                metrics.addOut(batch.count)
                buffer.removeAll(keepingCapacity: true)
                lastFlush = now
            } else {
                metrics.addOut(batch.count)
            }
        }
        if !buffer.isEmpty { try write(buffer) }
    }
}
