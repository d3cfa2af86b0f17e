/// Finds secrets written literally in a configuration (not through `${VAR}`), so the
/// redactor can keep them out of what is printed, like values from the environment.
///
/// The docs ask for `${VAR}`, but a token pasted into the file is common, and a server
/// that echoes the request (`401: you sent Authorization: Bearer …`) would otherwise put it
/// in the log. Recognised by where the value stands:
/// - an option named like a credential (`token`, `password`, `access_token`, …);
/// - a `headers` member named like one (`Authorization`, `X-Api-Key`, `Cookie`, …): the
///   whole value, and its credential after a scheme (`Bearer <credential>`);
/// - any URL: the password of its user info, and query values named like a credential
///   (`?api_key=…`).
enum LiteralSecrets {
    /// Words that make a key (option, header or query parameter) name a credential.
    private static let credentialWords = ["token", "password", "passwd", "secret", "apikey", "api_key", "api-key",
                                          "access_key", "private_key", "authorization", "cookie", "credential", "signature"]

    /// Whether a key (option, header or query parameter) names a credential.
    static func namesCredential(_ key: some StringProtocol) -> Bool {
        let key = key.lowercased()
        return credentialWords.contains { key.contains($0) }
    }

    /// Registers what in `value`, a scalar written under `key`, is a secret.
    static func register(_ value: String, key: String, redactor: SecretRedactor = .shared) {
        if namesCredential(key) {
            redactor.registerLiteral(value)
            // `Bearer abc`: the credential alone may be echoed too.
            if let space = value.lastIndex(of: " ") { redactor.registerLiteral(String(value[value.index(after: space)...])) }
        }
        if value.contains("://") { registerURLSecrets(value, redactor: redactor) }
    }

    /// The password of a URL's user info, and its query values named like a credential.
    private static func registerURLSecrets(_ url: String, redactor: SecretRedactor) {
        guard let scheme = url.firstRange(of: "://") else { return }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            redactor.registerLiteral(String(authority[authority.index(after: colon)..<at]))
        }
        guard let question = rest.firstIndex(of: "?") else { return }
        for pair in rest[rest.index(after: question)...].prefix(while: { $0 != "#" }).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, namesCredential(parts[0]) { redactor.registerLiteral(String(parts[1])) }
        }
    }
}
