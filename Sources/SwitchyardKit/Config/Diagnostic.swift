/// One problem found in a configuration: where, how bad, and what is wrong.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible, Error {
    /// How bad a problem is.
    public enum Severity: String, Sendable, Hashable {
        /// The pipeline cannot run.
        case error
        /// The pipeline runs, but probably not as meant.
        case warning
    }

    /// Where the problem is.
    public var location: SourceLocation
    /// Whether it stops the pipeline from loading (error) or not (warning).
    public var severity: Severity
    /// What is wrong, and what would be valid.
    public var message: String

    /// A diagnostic; any value that came from `${VAR}` is taken out of `message` (``SecretRedactor``).
    public init(_ severity: Severity = .error, at location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = SecretRedactor.shared.redact(message)
    }

    /// `FILE:LINE:COLUMN: message` (warnings say so).
    public var description: String {
        severity == .warning ? "\(location): warning: \(message)" : "\(location): \(message)"
    }
}

/// The problems that stopped a configuration from loading, all of them, in file order.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, sorted by position.
    public var diagnostics: [Diagnostic]

    /// An error made of `diagnostics`.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
