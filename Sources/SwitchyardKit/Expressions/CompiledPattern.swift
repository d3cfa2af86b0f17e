import Foundation

/// A regular expression compiled once at load time (ICU syntax, as `NSRegularExpression`).
///
/// Patterns of the common subset (see ``ScalarRegex``) run on Switchyard's own NFA, in time
/// linear in the text, several times faster than ICU on short strings and without bridging.
/// The rest (`\b`, flags, lookaround, back references, …) run on ICU, which backtracks: a
/// pattern like `(\b\w+)+$` can take time exponential in the length of a hostile value. ICU
/// is therefore given a budget of steps proportional to the text; past it the match stops
/// and the evaluation fails, so the event is refused and counted instead of holding a core.
struct CompiledPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression
    private let scalarRegex: ScalarRegex?

    /// ICU reports progress to the block at every starting position of its search, and every
    /// 10,000 steps of matching (its timer). A match may take one report per position, plus
    /// `baseReports` and one per `utf16UnitsPerReport` units of the text: at least 40,000
    /// steps, and about 80 more per unit.
    static let baseReports = 4
    static let utf16UnitsPerReport = 128

    init(_ source: String) throws {
        self.source = source
        // ICU checks the syntax (and gives the error) for every pattern, even one the NFA runs.
        self.regex = try NSRegularExpression(pattern: source)
        self.scalarRegex = ScalarRegex(source)
    }

    /// Whether the pattern matches anywhere in `text` (anchor with `^…$` for a whole match);
    /// an error when ICU runs out of its budget of steps on `text`.
    func matches(_ text: String) throws(EvaluationError) -> Bool {
        if let scalarRegex { return scalarRegex.matches(text) }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        let allowedReports = range.length + Self.baseReports + range.length / Self.utf16UnitsPerReport
        var reports = 0
        var found = false
        regex.enumerateMatches(in: text, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
                return
            }
            reports += 1
            if reports > allowedReports { stop.pointee = true }
        }
        if found { return true }
        guard reports <= allowedReports else {
            throw ValueOperations.fail("""
                the pattern "\(source)" was stopped on a string of \(range.length) UTF-16 units after more than \
                40,000 steps plus 80 per unit: it backtracks (patterns without \\b, flags, lookaround and back \
                references run on Switchyard's own engine, in linear time)
                """)
        }
        return false
    }
}
