import NIOCore
import NIOPosix
import Synchronization

/// One connection attempt's own event loop, and the one way to end it in any phase.
///
/// swift-websocket's connect does not react to task cancellation while it waits for the
/// TCP connection, the TLS handshake or the HTTP upgrade, and gives no handle on the
/// channel until the upgrade is done. Each attempt therefore runs on an event loop of its
/// own; shutting that loop down closes every channel on it, so a deadline or a stop ends
/// the attempt at once, whatever it was waiting for.
final class ConnectionAttempt: Sendable {
    private enum Phase {
        case connecting
        case open
        case expired
        case closed
    }

    let loops: MultiThreadedEventLoopGroup
    private let phase = Mutex(Phase.connecting)

    init() {
        loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// The upgrade succeeded. False if the attempt already expired or was closed: then the
    /// socket is not used (no "connected" for an attempt that timed out).
    func markOpen() -> Bool {
        phase.withLock { phase in
            guard case .connecting = phase else { return false }
            phase = .open
            return true
        }
    }

    var isOpen: Bool { phase.withLock { if case .open = $0 { true } else { false } } }

    /// The connect deadline passed: if the socket is not open yet, the attempt is over.
    /// Returns whether it expired (and was closed) now.
    func expireIfConnecting() -> Bool {
        let expired = phase.withLock { phase -> Bool in
            guard case .connecting = phase else { return false }
            phase = .expired
            return true
        }
        if expired { close() }
        return expired
    }

    /// Closes every channel of the attempt (idempotent).
    func close() {
        let first = phase.withLock { phase -> Bool in
            if case .closed = phase { return false }
            phase = .closed
            return true
        }
        guard first else { return }
        loops.shutdownGracefully { _ in }
    }
}
