import SwitchyardKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The most diagnostics printed for one check; a generated file gone wrong can have 50,000,
/// and the first ones tell what the rest are.
let printedDiagnosticsLimit = 100

/// Prints diagnostics to standard error, one `FILE:LINE:COLUMN: message` per line, at most
/// ``printedDiagnosticsLimit`` of them and then how many more there are.
func printDiagnostics(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics.prefix(printedDiagnosticsLimit) {
        StandardError.write(diagnostic.description + "\n")
    }
    if diagnostics.count > printedDiagnosticsLimit {
        StandardError.write("... and \(diagnostics.count - printedDiagnosticsLimit) more (the first \(printedDiagnosticsLimit) are shown)\n")
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
