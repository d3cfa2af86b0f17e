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
    struct Auth: Decodable, Sendable {
        var strategy: AuthStrategy
        var token: String?
        var user: String?
        var password: String?
    }

    /// `batch: { max_events, max_bytes, timeout }`.
    struct Batch: Decodable, Sendable {
        var max_events: Int?
        var max_bytes: ConfigByteSize?
        var timeout: ConfigDuration?
    }

    /// `request: { concurrency, timeout }`.
    struct Request: Decodable, Sendable {
        var concurrency: Int?
        var timeout: ConfigDuration?
    }

    /// `retry: { initial_backoff, max_backoff, max_duration }`.
    struct Retry: Decodable, Sendable {
        var initial_backoff: ConfigDuration?
        var max_backoff: ConfigDuration?
        var max_duration: ConfigDuration?
    }

    /// `dead_letter: { path }`.
    struct DeadLetter: Decodable, Sendable {
        var path: String
    }
}
