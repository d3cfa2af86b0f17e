import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes to a child's stdin from a thread of its own, so that a program that stops reading
/// blocks that thread, never the pipeline's tasks. `send` waits while `capacity` bytes are
/// queued (backpressure); `close` sends end of file once the queue is written.
final class PipeWriter: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var queuedBytes = 0
        var closing = false
        var broken = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let descriptor: Int32
    private let capacity: Int
    private let state = Mutex(State())
    private let work = NSCondition()

    /// Starts the writer thread for `descriptor` (which it closes when done).
    init(descriptor: Int32, capacity: Int) {
        self.descriptor = descriptor
        self.capacity = capacity
        let thread = Thread { [self] in writeLoop() }
        thread.name = "exec-stdin"
        thread.start()
    }

    /// Whether the pipe broke (the program exited or closed its stdin).
    var isBroken: Bool { state.withLock { $0.broken } }

    /// Queues `bytes`; waits while the queue is full. Returns false when the pipe is broken.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        while true {
            let (accepted, mustWait) = state.withLock { state -> (Bool, Bool) in
                if state.broken || state.closing { return (false, false) }
                if state.queuedBytes > 0, state.queuedBytes + bytes.count > capacity { return (false, true) }
                state.chunks.append(bytes)
                state.queuedBytes += bytes.count
                return (true, false)
            }
            if accepted {
                wake()
                return true
            }
            guard mustWait else { return false }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.broken || state.queuedBytes + bytes.count <= capacity || state.queuedBytes == 0 { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Writes what is queued, then closes the pipe (the program reads end of file).
    func close() {
        state.withLock { $0.closing = true }
        wake()
    }

    private func wake() {
        work.lock()
        work.signal()
        work.unlock()
    }

    private func writeLoop() {
        while true {
            work.lock()
            var next: [UInt8]?
            var done = false
            while true {
                (next, done) = state.withLock { state -> ([UInt8]?, Bool) in
                    if state.broken { return (nil, true) }
                    if !state.chunks.isEmpty { return (state.chunks.removeFirst(), false) }
                    return (nil, state.closing)
                }
                if next != nil || done { break }
                work.wait()
            }
            work.unlock()
            guard let chunk = next else { break }
            let written = write(chunk)
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.queuedBytes -= chunk.count
                if !written { state.broken = true }
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
            if !written { break }
        }
        Glibc.close(descriptor)
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.broken = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Writes all of `bytes`; false when the pipe broke (EPIPE: SIGPIPE is ignored process-wide).
    private func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }
}
