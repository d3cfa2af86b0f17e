/// What went wrong talking to NATS; every case reads as one line.
public enum NATSError: Error, Sendable, CustomStringConvertible {
    /// The server could not be reached.
    case connectionFailed(String)
    /// The server broke the protocol, or is not a NATS server.
    case protocolViolation(String)
    /// The server refused us (`-ERR`), e.g. "Authorization Violation".
    case server(String)
    /// No answer in time.
    case timeout(String)
    /// The connection closed.
    case closed
    /// Nobody listens on the subject (a JetStream publish to a subject no stream takes).
    case noResponders(String)
    /// A JetStream API error: its code and description.
    case jetStream(code: Int, description: String)
    /// An nkey seed that cannot be used (the reason never includes the seed).
    case invalidNKey(String)

    public var description: String {
        switch self {
        case .connectionFailed(let reason): "cannot connect to NATS: \(reason)"
        case .protocolViolation(let reason): "NATS protocol error: \(reason)"
        case .server(let reason): "the NATS server refused: \(reason)"
        case .timeout(let what): "NATS: no answer to \(what) in time"
        case .closed: "the NATS connection closed"
        case .noResponders(let subject): "no JetStream stream takes subject '\(subject)' (no responders)"
        case .jetStream(let code, let description): "JetStream error \(code): \(description)"
        case .invalidNKey(let reason): "invalid nkey: \(reason)"
        }
    }
}
