import SwitchyardKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints diagnostics to standard error, one `FILE:LINE:COLUMN: message` per line.
func printDiagnostics(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics {
        StandardError.write(diagnostic.description + "\n")
    }
}

/// Writes text to standard error (file descriptor 2) without touching C's shared `stderr` stream;
/// values from `${VAR}` are redacted.
enum StandardError {
    static func write(_ text: String) {
        var text = SecretRedactor.shared.redact(text)
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
