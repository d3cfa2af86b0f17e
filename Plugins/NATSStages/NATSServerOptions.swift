import Foundation
import NATSClient
import NIOSSL
import SwitchyardKit

/// A problem with the nats stages' connection options, found when the stage is made.
struct NATSOptionError: Error, CustomStringConvertible {
    let option: String
    let reason: String
    var description: String { "\(option): \(reason)" }
}

/// `auth: { user, password, token }` of the nats stages.
struct NATSAuthOptions: OptionGroup {
    @Option("User name, with `password`.")
    var user: String?
    @Option("Password for `user` (use ${VAR}; it is never printed).")
    var password: String?
    @Option("Token authentication (use ${VAR}; it is never printed).")
    var token: String?
    @Option("A file holding a user nkey seed (`SU…`, as `nk -gen user` writes it): the server's nonce is signed with it. The seed is never printed.")
    var nkey_seed_file: String?

    init() {}

    /// Connection options for the comma-separated server URLs in `url`, with `tls` if given;
    /// reads the nkey seed file and checks the CA file, so that a wrong path fails at startup.
    func connectionOptions(url: String, tls: NATSTLSOptions?) throws(NATSOptionError) -> NATSConnection.Options {
        var options = NATSConnection.Options(urls: url.split(separator: ",").map { String($0.filter { $0 != " " }) })
        options.user = user
        options.password = password
        options.token = token
        if let nkey_seed_file {
            do {
                options.nkey = try NATSNKey(seedFile: nkey_seed_file)
            } catch {
                throw NATSOptionError(option: "auth.nkey_seed_file", reason: "\(error)")
            }
        }
        if let tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = tls.ca_file {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw NATSOptionError(option: "tls.ca_file", reason: "cannot read '\(caFile)'")
                }
                configuration.trustRoots = .file(caFile)
            }
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
