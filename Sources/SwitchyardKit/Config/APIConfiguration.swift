/// The optional `api:` section: where the HTTP API (`/health`, `/ready`, `/metrics`) listens.
public struct APIConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// The `api:` mapping as written.
struct APIConfigurationOptions: StageConfiguration {
    var address: String

    func problems() -> [OptionProblem] {
        parsed == nil ? [OptionProblem(option: "address", "expected HOST:PORT, such as 127.0.0.1:8686")] : []
    }

    var parsed: APIConfiguration? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : APIConfiguration(host: host, port: port)
    }
}
