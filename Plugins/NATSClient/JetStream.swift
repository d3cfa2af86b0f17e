import SwitchyardKit

/// The JetStream calls the nats stages use, made through a ``NATSConnection`` (the
/// "JetStream wire API": JSON requests to `$JS.API.…` subjects).
public struct JetStream: Sendable {
    /// The server's acknowledgement of a stored message.
    public struct PublishAck: Sendable {
        /// The stream that stored it.
        public var stream: String
        /// Its sequence number in the stream.
        public var sequence: Int64
        /// Whether the stream had it already (same `Nats-Msg-Id` within the duplicate window).
        public var duplicate: Bool
    }

    /// The connection the calls go through.
    public let connection: NATSConnection

    /// JetStream over `connection`.
    public init(connection: NATSConnection) {
        self.connection = connection
    }

    /// Publishes every message and waits for each stream acknowledgement (all in flight at once).
    public func publish(_ messages: [NATSMessage], timeout: Duration) async throws(NATSError) -> [Result<PublishAck, NATSError>] {
        try await connection.requests(messages, timeout: timeout).enumerated().map { index, result in
            result.flatMap { reply in
                if reply.status == 503 { return .failure(.noResponders(messages[index].subject)) }
                return Self.decode(reply).flatMap { value in
                    guard case .string(let stream)? = value["stream"], case .int(let sequence)? = value["seq"] else {
                        return .failure(.protocolViolation("a publish acknowledgement without stream and seq"))
                    }
                    return .success(PublishAck(stream: stream, sequence: sequence, duplicate: value["duplicate"] == .bool(true)))
                }
            }
        }
    }

    /// Calls `$JS.API.<call>` with `body`; returns the answer, or throws the API's error.
    @discardableResult
    public func call(_ call: String, _ body: JSONValue? = nil, timeout: Duration = .seconds(5)) async throws(NATSError) -> JSONValue {
        let payload = body.map { Array(JSONWriter.string($0).utf8) } ?? []
        let reply = try await connection.request(NATSMessage(subject: "$JS.API.\(call)", payload: payload), timeout: timeout)
        if reply.status == 503 { throw .noResponders("$JS.API.\(call) (is JetStream enabled on the server?)") }
        return try Self.decode(reply).get()
    }

    /// Makes (or updates) a durable pull consumer with explicit acknowledgements.
    public func createDurableConsumer(stream: String, name: String, filterSubject: String?, ackWait: Duration,
                                      maxAckPending: Int) async throws(NATSError) {
        var config = JSONObject()
        config["durable_name"] = .string(name)
        config["ack_policy"] = "explicit"
        config["deliver_policy"] = "all"
        config["ack_wait"] = .int(ackWait.nanoseconds)
        config["max_ack_pending"] = .int(Int64(maxAckPending))
        if let filterSubject { config["filter_subject"] = .string(filterSubject) }
        var body = JSONObject()
        body["stream_name"] = .string(stream)
        body["config"] = .object(config)
        try await call("CONSUMER.DURABLE.CREATE.\(stream).\(name)", .object(body))
    }

    /// Asks for up to `batch` messages of a pull consumer, delivered to `inbox`; the server ends
    /// the pull with a status message (408) after `expires` if fewer were there.
    public func requestNext(stream: String, consumer: String, batch: Int, expires: Duration, inbox: String) throws(NATSError) {
        var request = JSONObject()
        request["batch"] = .int(Int64(batch))
        request["expires"] = .int(expires.nanoseconds)
        let body = JSONWriter.string(.object(request))
        try connection.publish("$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)", payload: Array(body.utf8), replyTo: inbox)
    }

    private static func decode(_ reply: NATSMessage) -> Result<JSONValue, NATSError> {
        guard let value = try? JSONParser().parse(reply.payload) else {
            return .failure(.protocolViolation("a JetStream answer that is not JSON"))
        }
        if case .object(let error)? = value["error"] {
            var code = 0
            if case .int(let number)? = error["code"] { code = Int(number) }
            return .failure(.jetStream(code: code, description: error["description"]?.stringValue ?? "unknown"))
        }
        return .success(value)
    }
}
