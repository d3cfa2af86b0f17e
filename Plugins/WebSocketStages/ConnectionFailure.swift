import NIOCore
import NIOPosix

/// The three kinds of failure, which decide how long the source waits before trying again.
enum ConnectionFailure: Equatable {
    /// Nothing accepted the connection: refused, unreachable, DNS failure. Retrying costs the
    /// server nothing, so the source retries on a short fixed cadence.
    case unreachable
    /// The server accepted, then the attempt failed (upgrade refused, timeout, protocol error,
    /// connection dropped): exponential backoff, to spare a server that is up but struggling.
    case afterAccept
    /// The server refused the credentials (`auth_invalid`, HTTP 401/403): wait the longest delay.
    case refusedCredentials

    init(_ error: any Error) {
        switch error {
        case WebSocketSourceError.authInvalid, WebSocketSourceError.upgradeRefused(401, _), WebSocketSourceError.upgradeRefused(403, _):
            self = .refusedCredentials
        case is NIOConnectionError, is SocketAddressError:
            self = .unreachable
        default:
            let text = "\(error)"
            let unreachable = ["Connection refused", "No route to host", "Network is unreachable", "Host is unreachable",
                               "DNS error", "UnknownHost"]
            self = unreachable.contains { text.contains($0) } ? .unreachable : .afterAccept
        }
    }
}
