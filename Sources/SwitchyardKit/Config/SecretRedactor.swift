import Synchronization

/// Every value that came into a configuration from `${VAR}`, every secret written in it
/// literally (``LiteralSecrets``), and the one function that takes them out of any text
/// before it is shown: diagnostics, logs, `/health`, CLI output.
///
/// Values are registered as the loader reads them; each occurrence is replaced by `${NAME}`
/// for a variable, `<redacted>` for a literal. Values shorter than ``minimumLength`` are
/// left alone (they cannot be secrets, and replacing every "1" would garble messages).
public final class SecretRedactor: Sendable {
    /// The redactor the whole process shares.
    public static let shared = SecretRedactor()

    /// The shortest value that is redacted.
    public static let minimumLength = 3

    /// What a literal secret is shown as.
    public static let literalReplacement = "<redacted>"

    private let secrets = Mutex<[(replacement: String, value: String)]>([])

    public init() {}

    /// Remembers that `value` came from `${name}`.
    public func register(name: String, value: String) {
        register(value, shownAs: "${\(name)}")
    }

    /// Remembers `value`, a secret written in the configuration itself.
    public func registerLiteral(_ value: String) {
        register(value, shownAs: Self.literalReplacement)
    }

    private func register(_ value: String, shownAs replacement: String) {
        guard value.count >= Self.minimumLength else { return }
        secrets.withLock { secrets in
            guard !secrets.contains(where: { $0.value == value }) else { return }
            secrets.append((replacement, value))
            // Longest first, so that a value containing another is replaced whole.
            secrets.sort { $0.value.count > $1.value.count }
        }
    }

    /// `text` with every registered value replaced by `${NAME}` or `<redacted>`.
    public func redact(_ text: String) -> String {
        let secrets = secrets.withLock { $0 }
        var text = text
        for secret in secrets where text.contains(secret.value) {
            text = text.replacing(secret.value, with: secret.replacement)
        }
        return text
    }
}
