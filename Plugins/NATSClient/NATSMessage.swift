/// A message received from (or sent to) NATS: subject, optional reply subject, headers, payload.
public struct NATSMessage: Sendable {
    /// The subject it was published to.
    public var subject: String
    /// Where an answer goes (a request's inbox, or JetStream's acknowledgement subject).
    public var replyTo: String?
    /// The payload bytes.
    public var payload: [UInt8]
    /// Headers (`HMSG`), in order.
    public var headers: [(name: String, value: String)] = []
    /// The status of a status message (`NATS/1.0 503`: no responders; `404`, `408`: a pull ended).
    public var status: Int?
    /// The status's description.
    public var statusDescription: String?
    /// The subscription it arrived on.
    var subscriptionID = ""

    /// A message to `subject`.
    public init(subject: String, replyTo: String? = nil, payload: [UInt8], headers: [(name: String, value: String)] = []) {
        self.subject = subject
        self.replyTo = replyTo
        self.payload = payload
        self.headers = headers
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Reads `NATS/1.0 [status [description]]\r\nName: value\r\n…\r\n\r\n`.
    mutating func parseHeaders(_ block: [UInt8]) {
        let lines = String(decoding: block, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return }
        let statusLine = first.split(separator: " ", maxSplits: 2)
        if statusLine.count >= 2, let code = Int(statusLine[1]) {
            status = code
            if statusLine.count == 3 { statusDescription = String(statusLine[2]) }
        }
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers.append((String(line[..<colon]), String(value)))
        }
    }

    /// The bytes the server counts against its `max_payload`: the payload and, when there are
    /// headers, their block.
    public var sizeOnTheWire: Int {
        headers.isEmpty ? payload.count : payload.count + Self.headerBlock(headers).utf8.count
    }

    /// The header block of an `HPUB`: `NATS/1.0`, one `name: value` line each, a blank line.
    static func headerBlock(_ headers: [(name: String, value: String)]) -> String {
        var block = "NATS/1.0\r\n"
        for (name, value) in headers { block += "\(name): \(value)\r\n" }
        return block + "\r\n"
    }
}
