import Foundation

/// A regular expression compiled once at load time (ICU syntax, as `NSRegularExpression`).
///
/// Patterns of the common subset (see ``ScalarRegex``) run on Switchyard's own NFA, several
/// times faster than ICU on short strings and without bridging; the rest run on ICU.
struct CompiledPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression
    private let scalarRegex: ScalarRegex?

    init(_ source: String) throws {
        self.source = source
        // ICU checks the syntax (and gives the error) for every pattern, even one the NFA runs.
        self.regex = try NSRegularExpression(pattern: source)
        self.scalarRegex = ScalarRegex(source)
    }

    /// Whether the pattern matches anywhere in `text` (anchor with `^…$` for a whole match).
    func matches(_ text: String) -> Bool {
        if let scalarRegex { return scalarRegex.matches(text) }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, options: [], range: range) != nil
    }
}
