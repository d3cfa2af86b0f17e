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
    /// 10,000 steps of matching (its timer); the block cannot tell the two apart. A match may
    /// take one report per position, plus `baseReports` and one per `utf16UnitsPerReport`
    /// units of the text: at least 40,000 steps, and about 80 more per unit.
    static let baseReports = 4
    static let utf16UnitsPerReport = 128
    /// Backtracking at one position may also spend the reports meant for the positions
    /// after it (10,000 steps each), so the thread's CPU time bounds a match too: at most
    /// `baseCPU` plus `cpuPerUnit` per UTF-16 unit (a search through 1M units without a
    /// match takes about 30 ms here; this allows 1 s), counted from the first report. It is
    /// read every `reportsPerClockRead` reports, and is CPU time, not wall time: a thread made to wait by a busy machine
    /// is not charged for it.
    static let baseCPU = Duration.milliseconds(2)
    static let cpuPerUnit = Duration.microseconds(1)
    static let reportsPerClockRead = 16

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
        let allowedCPU = Self.baseCPU + Self.cpuPerUnit * range.length
        // Read at the first report: a match that needs none (found at once) costs no clock read.
        var started: Duration?
        var reports = 0
        var found = false
        var outOfBudget = false
        regex.enumerateMatches(in: text, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
                return
            }
            reports += 1
            if started == nil { started = Self.threadCPUTime() }
            if reports > allowedReports
                || (reports % Self.reportsPerClockRead == 0 && Self.threadCPUTime() - started! > allowedCPU) {
                outOfBudget = true
                stop.pointee = true
            }
        }
        if found { return true }
        guard !outOfBudget else {
            throw ValueOperations.fail("""
                the pattern "\(source)" was stopped on a string of \(range.length) UTF-16 units after more than \
                its budget (40,000 steps plus 80 per unit, or 2 ms plus 1 µs per unit of CPU): it backtracks \
                (patterns without \\b, flags, lookaround and back references run on Switchyard's own engine, in \
                linear time)
                """)
        }
        return false
    }

    /// Whether the pattern matches somewhere in the UTF-8 `text`, when its DFA can tell
    /// (plain ASCII text, see ``RegexDFA``); nil otherwise, for ``matches(_:)`` to answer.
    func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool? {
        scalarRegex?.dfa?.matches(text)
    }

    /// The CPU time this thread has used.
    private static func threadCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }
}
