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

    var description: String {
        switch self {
        case .timeout(let what): "timeout: \(what)"
        case .authInvalid(let message): "auth_invalid: \(message)"
        case .commandFailed(let message): "command failed: \(message)"
        case .protocolViolation(let message): "protocol error: \(message)"
        case .closed: "connection closed by the server"
        }
    }
}
