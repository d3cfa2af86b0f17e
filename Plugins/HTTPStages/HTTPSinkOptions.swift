import SwitchyardKit

/// The HTTP sink's options besides `uri`, as written.
struct HTTPSinkOptions {
    enum Method: String, ConfigEnum {
        case post
        case put
    }

    enum Encoding: String, ConfigEnum {
        /// One JSON object per line.
        case ndjson
        /// A JSON array of the batch's events.
        case json_array
        /// One event per request, as a JSON object.
        case json
    }

    enum Compression: String, ConfigEnum {
        case none
        case gzip
    }

    enum AuthStrategy: String, ConfigEnum {
        case bearer
        case basic
    }

    /// `auth: { strategy: bearer, token }` or `{ strategy: basic, user, password }`.
    struct Auth: OptionGroup {
        @Option("bearer: `Authorization: Bearer <token>`. basic: user and password.")
        var strategy: AuthStrategy
        @Option("strategy bearer: the token (write ${TOKEN}; never logged).")
        var token: String?
        @Option("strategy basic: the user name.")
        var user: String?
        @Option("strategy basic: the password (write ${PASSWORD}; never logged).")
        var password: String?

        init() {}
    }

    /// `batch: { max_events, max_bytes, timeout }`.
    struct Batch: OptionGroup {
        @Option("A request is sent once a batch holds this many events.", minimum: 1)
        var max_events = 1000
        @Option("... or this many bytes.")
        var max_bytes = ConfigByteSize(bytes: 1 << 20)
        @Option("... or when its oldest event waited this long (an idle input sends at once).")
        var timeout = ConfigDuration(.seconds(1))

        init() {}
    }

    /// `request: { concurrency, timeout }`.
    struct Request: OptionGroup {
        @Option("Requests in flight at once (1 keeps order per URI).", minimum: 1)
        var concurrency = 4
        @Option("Each request's time limit.")
        var timeout = ConfigDuration(.seconds(30))

        init() {}
    }

    /// `retry: { initial_backoff, max_backoff, max_duration }`.
    struct Retry: OptionGroup {
        @Option("The first wait before a retry (doubled each time, with jitter).")
        var initial_backoff = ConfigDuration(.seconds(1))
        @Option("The longest wait between retries (a Retry-After is honoured up to it).")
        var max_backoff = ConfigDuration(.seconds(30))
        @Option("Give up on a batch after retrying this long (then dead letter); 0s retries forever.")
        var max_duration = ConfigDuration(.zero)

        init() {}
    }
}
