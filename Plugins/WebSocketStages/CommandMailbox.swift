import Synchronization
import SwitchyardKit

/// Routes what the reader receives to whoever waits for it, for one connection.
///
/// The reader is the only task that reads the socket; a command's sender waits
/// here for the reply with that command's `id`, and the conversation waits for
/// control messages (`auth_required`, `auth_ok`, `auth_invalid`). Nobody else
/// ever reads from the socket, so no message meant for one waiter is lost to another.
final class CommandMailbox: Sendable {
    private struct State {
        var replies: [Int: JSONValue] = [:]
        var control: [JSONValue] = []
        var waiters: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var failure: (any Error)?
    }

    /// The waiter key for control messages.
    private static let controlKey = -1
    private let state = Mutex(State())

    /// From the reader: a message carrying `id` (`result`, `pong`).
    func deliverReply(id: Int, _ message: JSONValue) { deliver(key: id, message) }

    /// From the reader: a message without id (the auth phase).
    func deliverControl(_ message: JSONValue) { deliver(key: Self.controlKey, message) }

    /// The connection ended: every waiter gets `error`.
    func fail(_ error: any Error) {
        let waiters = state.withLock { state -> [CheckedContinuation<JSONValue, any Error>] in
            state.failure = error
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(throwing: error) }
    }

    /// Waits for the reply to command `id`.
    func reply(to id: Int) async throws -> JSONValue { try await wait(key: id) }

    /// Waits for the next control message.
    func control() async throws -> JSONValue { try await wait(key: Self.controlKey) }

    private func deliver(key: Int, _ message: JSONValue) {
        let waiter = state.withLock { state -> CheckedContinuation<JSONValue, any Error>? in
            if let waiter = state.waiters.removeValue(forKey: key) { return waiter }
            if key == Self.controlKey { state.control.append(message) } else { state.replies[key] = message }
            return nil
        }
        waiter?.resume(returning: message)
    }

    private func wait(key: Int) async throws -> JSONValue {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
                let immediate = state.withLock { state -> Result<JSONValue, any Error>? in
                    if key == Self.controlKey, !state.control.isEmpty { return .success(state.control.removeFirst()) }
                    if key != Self.controlKey, let reply = state.replies.removeValue(forKey: key) { return .success(reply) }
                    if let failure = state.failure { return .failure(failure) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[key] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

/// Runs `operation`, failing with ``WebSocketSourceError/timeout(_:)`` if it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw WebSocketSourceError.timeout("\(what) took longer than \(limit)")
        }
        return value
    }
}
