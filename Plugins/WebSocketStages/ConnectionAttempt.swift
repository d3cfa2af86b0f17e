import NIOCore
import NIOPosix
import Synchronization

/// One connection attempt's own event loop, its outcome, and the ways to end it in any phase.
///
/// swift-websocket's connect does not react to task cancellation while it waits for the
/// TCP connection, the TLS handshake or the HTTP upgrade, and gives no handle on the
/// channel until the upgrade is done. Each attempt therefore runs on an event loop of its
/// own; shutting that loop down closes every channel on it, so a deadline ends the
/// attempt whatever it was waiting for.
///
/// Shutting the loop down is not always enough for the connect call to return: NIO drops
/// work handed to a loop that has shut down (a callback registered a moment too late), and
/// the connect then waits forever. So the source awaits ``outcome()``, not the connect
/// call: an attempt that never opened is given up at its deadline or at a stop, and the
/// connect call, if it ever returns, finds the attempt over and opens nothing
/// (``markOpen()`` is false). An attempt that opened is awaited until it closes, so there
/// is never more than one open connection.
final class ConnectionAttempt: Sendable {
    private enum Phase {
        case connecting
        case open
        case givenUp
    }

    private struct State {
        var phase = Phase.connecting
        var connectReturned = false
        var loopsShutDown = false
        var result: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    let loops: MultiThreadedEventLoopGroup
    private let state = Mutex(State())

    init() {
        loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// The upgrade succeeded. False if the attempt was already given up: then the socket is
    /// not used (no "connected" for an attempt that timed out or was stopped).
    func markOpen() -> Bool {
        state.withLock { state in
            guard case .connecting = state.phase else { return false }
            state.phase = .open
            return true
        }
    }

    /// The connect call returned: it failed, or its connection closed. Its loop has nothing
    /// left to do and is shut down.
    func connectReturned(_ result: Result<Void, any Error>) {
        state.withLock { $0.connectReturned = true }
        finish(result)
        close()
    }

    /// Waits for the attempt's outcome: the connect call's end, or the attempt given up.
    func outcome() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// The connect deadline passed. An attempt still connecting is given up with `error`;
    /// one given up at a stop whose connect call still waits has its socket closed now.
    func deadlinePassed(_ error: any Error) {
        let (expired, stranded) = state.withLock { state -> (Bool, Bool) in
            switch state.phase {
            case .connecting:
                state.phase = .givenUp
                return (true, false)
            case .givenUp:
                return (false, !state.connectReturned)
            case .open:
                return (false, false)
            }
        }
        if expired { finish(.failure(error)) }
        if expired || stranded { close() }
    }

    /// The source is stopping. An attempt still connecting is given up (its connect call,
    /// if it still waits, is ended by the deadline) and true is returned; an open one is
    /// left to close, and false is returned.
    func giveUpIfConnecting() -> Bool {
        let givenUp = state.withLock { state -> Bool in
            guard case .connecting = state.phase else { return false }
            state.phase = .givenUp
            return true
        }
        if givenUp { finish(.failure(CancellationError())) }
        return givenUp
    }

    /// The source is stopping and an open connection did not end in time: it is no longer
    /// awaited. No attempt follows a stop, so there is still only one connection.
    func abandon() {
        finish(.failure(CancellationError()))
    }

    private func finish(_ result: Result<Void, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    /// Closes every channel of the attempt (idempotent): an open connection's reader sees its
    /// socket end.
    func close() {
        let first = state.withLock { state -> Bool in
            defer { state.loopsShutDown = true }
            return !state.loopsShutDown
        }
        if first { loops.shutdownGracefully { _ in } }
    }
}
