/// Why a WebSocket connection ended.
enum WebSocketSourceError: Error, CustomStringConvertible {
    /// Something did not happen in time (connect, auth, a command's reply, a pong).
    case timeout(String)
    /// The server refused the access token.
    case authInvalid(String)
    /// The server answered a command with an error (a failed subscribe).
    case commandFailed(String)
    /// The server broke the protocol.
    case protocolViolation(String)
    /// The server closed the connection or the TCP connection dropped.
    case closed
    /// The server answered the WebSocket upgrade with this HTTP status instead of 101.
    case upgradeRefused(Int, String)

    var description: String {
        switch self {
        case .timeout(let what): "timeout: \(what)"
        case .authInvalid(let message): "auth_invalid: \(message)"
        case .commandFailed(let message): "command failed: \(message)"
        case .protocolViolation(let message): "protocol error: \(message)"
        case .closed: "connection closed by the server"
        case .upgradeRefused(let status, let reason):
            switch status {
            case 401: "the server answered the WebSocket upgrade with HTTP 401 Unauthorized"
            case 403: "the server answered the WebSocket upgrade with HTTP 403 Forbidden (Home Assistant answers 403 once it has banned this address after failed logins: see ip_bans.yaml)"
            default: "the server answered the WebSocket upgrade with HTTP \(status) \(reason)"
            }
        }
    }
}
