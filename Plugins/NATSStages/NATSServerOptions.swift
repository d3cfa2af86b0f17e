import NATSClient
import NIOSSL
import SwitchyardKit

/// `auth: { user, password, token }` of the nats stages.
struct NATSAuthOptions: OptionGroup {
    @Option("User name, with `password`.")
    var user: String?
    @Option("Password for `user` (use ${VAR}; it is never printed).")
    var password: String?
    @Option("Token authentication (use ${VAR}; it is never printed).")
    var token: String?

    init() {}

    /// Connection options for the comma-separated server URLs in `url`, with `tls` if given.
    func connectionOptions(url: String, tls: NATSTLSOptions?) -> NATSConnection.Options {
        var options = NATSConnection.Options(urls: url.split(separator: ",").map { String($0.filter { $0 != " " }) })
        options.user = user
        options.password = password
        options.token = token
        if let tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = tls.ca_file { configuration.trustRoots = .file(caFile) }
            options.tls = configuration
        }
        return options
    }
}

/// `reconnect: { initial, max }` of the nats stages.
struct NATSReconnectOptions: OptionGroup {
    @Option("First wait before reconnecting; doubles (with jitter) up to `max`.")
    var initial = ConfigDuration(.milliseconds(100))
    @Option("Longest wait between reconnection attempts.")
    var max = ConfigDuration(.seconds(5))

    init() {}

    var backoff: Backoff { Backoff(initial: initial.duration, maximum: max.duration, multiplier: 2, jitter: 0.2) }
}

/// `tls: { ca_file }` of the nats stages: TLS with a private CA (a server that requires TLS
/// gets it even without this, checked against the system's CAs).
struct NATSTLSOptions: OptionGroup {
    @Option("A PEM file of the CA(s) the server's certificate must chain to (absent: the system's CAs).")
    var ca_file: String?

    init() {}
}
