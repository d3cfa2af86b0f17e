import Foundation
import Synchronization
import SwitchyardKit

/// Lines handed from a reader thread (blocking reads of a pipe) to async code, bounded: when
/// `capacity` lines wait, the reader thread blocks, the pipe fills, and the program writing it
/// blocks too. Backpressure holds end to end, and memory stays bounded.
final class LineQueue: Sendable {
    /// What the consumer gets.
    enum Item: Sendable {
        case line([UInt8])
        /// The producer finished (end of file): no more lines.
        case end
        /// Nothing came within the wait.
        case timedOut
    }

    private struct State {
        var lines: [[UInt8]] = []
        var ended = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Item, Never>)?
        var nextWaiterID: UInt64 = 0
    }

    private let capacity: Int
    private let state = Mutex(State())
    /// Wakes the producer thread when room appears.
    private let room = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a line (producer thread); blocks while the queue is full. Returns false once the consumer closed it.
    @discardableResult
    func put(_ line: [UInt8]) -> Bool {
        room.lock()
        while state.withLock({ $0.lines.count >= capacity && !$0.ended }) { room.wait() }
        room.unlock()
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Item, Never>?) in
            guard !state.ended else { return (false, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter.continuation)
            }
            state.lines.append(line)
            return (true, nil)
        }
        waiter?.resume(returning: .line(line))
        return accepted
    }

    /// No more lines (producer at end of file, or the consumer giving up): a waiting consumer gets `.end`.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Item, Never>? in
            state.ended = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: .end)
        room.lock()
        room.broadcast()
        room.unlock()
    }

    /// The next line, `.end`, or `.timedOut` after `timeout` (nil: wait as long as it takes).
    func next(timeout: Duration?) async -> Item {
        if let item = takeReady() { return item }
        if timeout == .zero { return .timedOut }
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        // Most lines come in time: a deadline is freed when cancelled, a sleeping task is not.
        let timer = timeout.map { limit in Deadline(after: limit) { [weak self] in self?.expire(id) } }
        defer { timer?.cancel() }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Item? in
                if !state.lines.isEmpty { return .line(state.lines.removeFirst()) }
                if state.ended { return .end }
                state.waiter = (id, continuation)
                return nil
            }
            if let ready {
                continuation.resume(returning: ready)
                signalRoom()
            }
        }
    }

    private func takeReady() -> Item? {
        let item = state.withLock { state -> Item? in
            if !state.lines.isEmpty { return .line(state.lines.removeFirst()) }
            return state.ended ? .end : nil
        }
        if case .line = item { signalRoom() }
        return item
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Item, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: .timedOut)
    }

    private func signalRoom() {
        room.lock()
        room.signal()
        room.unlock()
    }
}
