/// The optional `api:` section: where the HTTP API (`/health`, `/ready`, `/metrics`) listens.
public struct APIConfiguration: Sendable, Hashable {
    /// The host name or address to listen on.
    public var host: String
    /// The TCP port to listen on.
    public var port: Int

    /// Listens on `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// The `api:` mapping as written.
struct APIConfigurationOptions: StageConfiguration {
    @Option("Where the HTTP API (/health, /ready, /metrics) listens: HOST:PORT, such as 127.0.0.1:8686.")
    var address: String

    init() {}

    func problems() -> [OptionProblem] {
        parsed == nil ? [OptionProblem(option: "address", "expected HOST:PORT, such as 127.0.0.1:8686")] : []
    }

    var parsed: APIConfiguration? {
        HostPort(address).map { APIConfiguration(host: $0.host, port: $0.port) }
    }
}

/// `HOST:PORT` or `[v6]:PORT`, as written in `address:` options.
public struct HostPort: Sendable, Hashable {
    /// The host part (without brackets for IPv6).
    public let host: String
    /// The port part.
    public let port: Int

    /// Parses `HOST:PORT`; nil when the text is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
