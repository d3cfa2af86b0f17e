import Testing
@testable import SwitchyardKit

@Suite("literal secrets")
struct LiteralSecretsTests {
    @Test("credentials written literally are found by where they stand; other values are left alone")
    func found() {
        let redactor = SecretRedactor()
        LiteralSecrets.register("tok-123", key: "token", redactor: redactor)
        LiteralSecrets.register("Bearer abc-456", key: "Authorization", redactor: redactor)
        LiteralSecrets.register("k-789", key: "X-Api-Key", redactor: redactor)
        LiteralSecrets.register("https://bob:pw-1@example.com:8443/p?api_key=q-2&page=10#f", key: "uri", redactor: redactor)
        // Not credentials: an expression under `key`, a path, a URL without any, a page number.
        LiteralSecrets.register(".host", key: "key", redactor: redactor)
        LiteralSecrets.register("/var/log/app.ndjson", key: "path", redactor: redactor)
        LiteralSecrets.register("http://example.com/x?user=bob", key: "uri", redactor: redactor)
        #expect(redactor.redact("tok-123 abc-456 k-789 pw-1 q-2") == "<redacted> <redacted> <redacted> <redacted> <redacted>")
        #expect(redactor.redact("Bearer abc-456") == "<redacted>")
        #expect(redactor.redact(".host /var/log/app.ndjson bob page=10 http://example.com/x?user=bob")
            == ".host /var/log/app.ndjson bob page=10 http://example.com/x?user=bob")
    }
}
