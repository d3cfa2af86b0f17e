/// A regular expression of the common subset, matched by a Thompson NFA over Unicode
/// scalars: linear in the text, no allocation per step, no bridging to `NSString`.
///
/// The subset: literals (any scalar, compared exactly, as ICU does) and escaped metacharacters, `.`,
/// the class escapes `\d \D \w \W \s \S`, classes of scalars, ranges and class escapes (`[a-z_]`,
/// `[^,]`, `[\d.]`), groups (`(…)`, `(?:…)`), alternation, the quantifiers `* + ? {n} {n,} {n,m}`
/// (greedy or lazy: whether a match exists does not depend on it) and the anchors `^` `$`.
/// The meaning is ICU's, as `NSRegularExpression` has it: `.` matches any scalar but a
/// line terminator; `$` matches at the end or before a line terminator that ends the text;
/// `\d`, `\w` and `\s` are Unicode's (see ``ScalarClass``).
/// Anything else (`\b`, flags, lookaround, back references, possessive quantifiers,
/// `\p{…}`, nested sets) is not taken: ``init(_:)`` returns nil and the caller keeps ICU's
/// engine for that pattern.
struct ScalarRegex: Sendable {
    /// What one scalar must be.
    enum Predicate: Sendable {
        case scalar(UInt32)
        case set(ranges: [ClosedRange<UInt32>], classes: [ScalarClass], negated: Bool)
        case anyButLineTerminator

        func accepts(_ value: UInt32) -> Bool {
            switch self {
            case .scalar(let wanted): return value == wanted
            case .set(let ranges, let classes, let negated):
                var inside = false
                for range in ranges where range.contains(value) {
                    inside = true
                    break
                }
                if !inside {
                    for scalarClass in classes where scalarClass.contains(value) {
                        inside = true
                        break
                    }
                }
                return inside != negated
            case .anyButLineTerminator: return !ScalarRegex.isLineTerminator(value)
            }
        }
    }

    /// One NFA state.
    enum State: Sendable {
        case consume(Predicate, next: Int)
        case split(Int, Int)
        case atStart(next: Int)
        case atEnd(next: Int)
        case match
    }

    /// More states than this and the pattern is left to ICU (a `{1000}` would otherwise grow the NFA).
    static let maximumStates = 2_000

    let states: [State]
    let start: Int
    /// The same pattern as a DFA over ASCII text, unless it would be too large.
    private(set) var dfa: RegexDFA?

    /// Compiles `pattern`, or nil when it is outside the subset.
    init?(_ pattern: String) {
        var parser = RegexSyntaxParser(Array(pattern.unicodeScalars))
        guard let tree = parser.parseAll() else { return nil }
        var builder = NFABuilder()
        let matchState = builder.add(.match)
        guard let start = builder.compile(tree, next: matchState), builder.states.count <= Self.maximumStates else { return nil }
        self.states = builder.states
        self.start = start
        self.dfa = RegexDFA(self)
    }

    static func isLineTerminator(_ value: UInt32) -> Bool {
        value == 0x0A || value == 0x0D || value == 0x0B || value == 0x0C || value == 0x85 || value == 0x2028 || value == 0x2029
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        var text = text
        // ASCII text (the usual case) is its own scalars: no array of scalars is made.
        let ascii = text.withUTF8 { utf8 -> Bool? in
            if let answer = dfa?.matches(utf8) { return answer }
            guard utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
            return run(utf8.lazy.map(UInt32.init))
        }
        return ascii ?? run(text.unicodeScalars.map(\.value))
    }

    /// The NFA over `scalars`. Its working memory is one temporary allocation (on the stack
    /// for small patterns): the generation that last reached each state, and the states that
    /// consume at this position and at the next.
    private func run<Scalars: RandomAccessCollection>(_ scalars: Scalars) -> Bool
        where Scalars.Element == UInt32, Scalars.Index == Int
    {
        let count = states.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * count) { memory -> Bool in
            let marks = UnsafeMutableBufferPointer(rebasing: memory[0..<count])
            var current = UnsafeMutableBufferPointer(rebasing: memory[count..<(2 * count)])
            var next = UnsafeMutableBufferPointer(rebasing: memory[(2 * count)...])
            marks.initialize(repeating: -1)
            var currentCount = 0
            var nextCount = 0
            var generation = 0
            for position in 0...scalars.count {
                // Unanchored: a match may start at every position.
                if add(start, at: position, scalars, current, &currentCount, marks, generation) { return true }
                if position == scalars.count { break }
                generation += 1
                let value = scalars[position]
                for index in 0..<currentCount {
                    if case .consume(let predicate, let following) = states[current[index]], predicate.accepts(value),
                       add(following, at: position + 1, scalars, next, &nextCount, marks, generation) {
                        return true
                    }
                }
                swap(&current, &next)
                currentCount = nextCount
                nextCount = 0
            }
            return false
        }
    }

    /// Adds `state` and what it reaches without consuming to `list`; true when that includes the match.
    private func add<Scalars: RandomAccessCollection>(_ state: Int, at position: Int, _ scalars: Scalars,
                                                      _ list: UnsafeMutableBufferPointer<Int>, _ listCount: inout Int,
                                                      _ marks: UnsafeMutableBufferPointer<Int>, _ generation: Int) -> Bool
        where Scalars.Element == UInt32, Scalars.Index == Int
    {
        if marks[state] == generation { return false }
        marks[state] = generation
        switch states[state] {
        case .match:
            return true
        case .consume:
            list[listCount] = state
            listCount += 1
            return false
        case .split(let first, let second):
            return add(first, at: position, scalars, list, &listCount, marks, generation)
                || add(second, at: position, scalars, list, &listCount, marks, generation)
        case .atStart(let following):
            return position == 0 && add(following, at: position, scalars, list, &listCount, marks, generation)
        case .atEnd(let following):
            return Self.isEnd(position, scalars) && add(following, at: position, scalars, list, &listCount, marks, generation)
        }
    }

    /// ICU's `$` without multiline: the end, or a final line terminator (`\r\n` counts as one,
    /// so `$` never falls between its two scalars).
    private static func isEnd<Scalars: RandomAccessCollection>(_ position: Int, _ scalars: Scalars) -> Bool
        where Scalars.Element == UInt32, Scalars.Index == Int
    {
        let rest = scalars.count - position
        if rest == 0 { return true }
        if rest == 1 {
            let insideCRLF = scalars[position] == 0x0A && position > 0 && scalars[position - 1] == 0x0D
            return isLineTerminator(scalars[position]) && !insideCRLF
        }
        return rest == 2 && scalars[position] == 0x0D && scalars[position + 1] == 0x0A
    }
}

/// A parsed pattern of the subset.
indirect enum RegexTree {
    case consume(ScalarRegex.Predicate)
    case sequence([RegexTree])
    case alternation([RegexTree])
    case repetition(RegexTree, minimum: Int, maximum: Int?)
    case atStart
    case atEnd
}

/// Builds the NFA backwards: each piece is compiled knowing the state that follows it.
struct NFABuilder {
    var states: [ScalarRegex.State] = []

    mutating func add(_ state: ScalarRegex.State) -> Int {
        states.append(state)
        return states.count - 1
    }

    /// The first state of `tree` followed by `next`; nil when the NFA grows too large.
    mutating func compile(_ tree: RegexTree, next: Int) -> Int? {
        guard states.count <= ScalarRegex.maximumStates else { return nil }
        switch tree {
        case .consume(let predicate):
            return add(.consume(predicate, next: next))
        case .atStart:
            return add(.atStart(next: next))
        case .atEnd:
            return add(.atEnd(next: next))
        case .sequence(let parts):
            var following = next
            for part in parts.reversed() {
                guard let first = compile(part, next: following) else { return nil }
                following = first
            }
            return following
        case .alternation(let branches):
            var starts: [Int] = []
            for branch in branches {
                guard let first = compile(branch, next: next) else { return nil }
                starts.append(first)
            }
            var entry = starts.removeLast()
            for first in starts.reversed() { entry = add(.split(first, entry)) }
            return entry
        case .repetition(let body, let minimum, let maximum):
            var following = next
            if let maximum {
                // The optional copies, innermost last: x{2,4} = x x (x (x)?)?
                for _ in 0..<(maximum - minimum) {
                    guard let first = compile(body, next: following) else { return nil }
                    // Each optional copy may be skipped straight to `next`.
                    following = add(.split(first, next))
                }
            } else {
                let loop = add(.split(0, 0))
                guard let first = compile(body, next: loop) else { return nil }
                states[loop] = .split(first, next)
                following = loop
            }
            for _ in 0..<minimum {
                guard let first = compile(body, next: following) else { return nil }
                following = first
            }
            return following
        }
    }
}

/// Parses the subset's syntax; nil for anything outside it.
struct RegexSyntaxParser {
    private let pattern: [Unicode.Scalar]
    private var position = 0
    private var depth = 0

    init(_ pattern: [Unicode.Scalar]) {
        self.pattern = pattern
    }

    private var current: Unicode.Scalar? { position < pattern.count ? pattern[position] : nil }

    mutating func parseAll() -> RegexTree? {
        guard let tree = parseAlternation(), position == pattern.count else { return nil }
        return tree
    }

    private mutating func parseAlternation() -> RegexTree? {
        var branches: [RegexTree] = []
        while true {
            guard let branch = parseSequence() else { return nil }
            branches.append(branch)
            guard current == "|" else { break }
            position += 1
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence() -> RegexTree? {
        var parts: [RegexTree] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            guard let atom = parseAtom(), let quantified = parseQuantifier(atom) else { return nil }
            parts.append(quantified)
        }
        return .sequence(parts)
    }

    private mutating func parseAtom() -> RegexTree? {
        guard let scalar = current else { return nil }
        position += 1
        switch scalar {
        case "^": return .atStart
        case "$": return .atEnd
        case ".": return .consume(.anyButLineTerminator)
        case "[": return parseClass().map { .consume($0) }
        case "(":
            if current == "?" {
                // Only the non-capturing group; flags and lookaround stay with ICU.
                guard position + 1 < pattern.count, pattern[position + 1] == ":" else { return nil }
                position += 2
            }
            depth += 1
            guard depth <= 32, let inner = parseAlternation(), current == ")" else { return nil }
            depth -= 1
            position += 1
            return inner
        case "\\":
            if let letter = current, let scalarClass = ScalarClass(escape: letter) {
                position += 1
                return .consume(.set(ranges: [], classes: [scalarClass], negated: false))
            }
            return parseEscape().map { .consume(.scalar($0)) }
        case "*", "+", "?", "{", ")", "]", "}": return nil
        default:
            return .consume(.scalar(scalar.value))
        }
    }

    /// An escaped character: a metacharacter or \t \n \r \f; nil for classes and assertions.
    private mutating func parseEscape() -> UInt32? {
        guard let scalar = current else { return nil }
        position += 1
        switch scalar {
        case "t": return 0x09
        case "n": return 0x0A
        case "r": return 0x0D
        case "f": return 0x0C
        default:
            let metacharacters: Set<Unicode.Scalar> = [".", "\\", "+", "*", "?", "(", ")", "[", "]", "{", "}", "|", "^", "$", "-", "/", "\"", "'", " ", "#", ":", ",", "=", "!", "<", ">", "@", "%", "&", "~", "`", ";", "_"]
            return metacharacters.contains(scalar) ? scalar.value : nil
        }
    }

    /// `[…]` after its `[`: ASCII members and ranges, maybe negated.
    private mutating func parseClass() -> ScalarRegex.Predicate? {
        var negated = false
        if current == "^" {
            negated = true
            position += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var classes: [ScalarClass] = []
        // ICU reads a leading ']' its own way: left to it.
        guard current != "]" else { return nil }
        while let scalar = current, scalar != "]" {
            if scalar == "\\", let scalarClass = parseClassEscape() {
                // A range may not start at a class (`[\d-z]`): left to ICU.
                if current == "-", position + 1 < pattern.count, pattern[position + 1] != "]" { return nil }
                classes.append(scalarClass)
                continue
            }
            guard let low = parseClassMember() else { return nil }
            if current == "-", position + 1 < pattern.count, pattern[position + 1] != "]" {
                position += 1
                guard let high = parseClassMember(), low <= high else { return nil }
                ranges.append(low...high)
            } else {
                ranges.append(low...low)
            }
        }
        guard current == "]" else { return nil }
        position += 1
        return .set(ranges: ranges, classes: classes, negated: negated)
    }

    /// `\d \D \w \W \s \S` at a backslash, consumed; nil (and nothing consumed) for any other.
    private mutating func parseClassEscape() -> ScalarClass? {
        guard current == "\\", position + 1 < pattern.count,
              let scalarClass = ScalarClass(escape: pattern[position + 1]) else { return nil }
        position += 2
        return scalarClass
    }

    private mutating func parseClassMember() -> UInt32? {
        guard let scalar = current else { return nil }
        position += 1
        switch scalar {
        case "\\": return parseEscape()
        // ICU gives these a meaning inside classes (nested sets, set operations).
        case "[", "&": return nil
        default: return scalar.value
        }
    }

    private mutating func parseQuantifier(_ atom: RegexTree) -> RegexTree? {
        let bounds: (Int, Int?)
        switch current {
        case "*": bounds = (0, nil); position += 1
        case "+": bounds = (1, nil); position += 1
        case "?": bounds = (0, 1); position += 1
        case "{":
            guard let counted = parseCount() else { return nil }
            bounds = counted
        default:
            return atom
        }
        if case .atStart = atom { return nil }
        if case .atEnd = atom { return nil }
        if current == "?" { position += 1 }  // lazy: the same set of matches
        if current == "+" || current == "*" || current == "{" { return nil }  // possessive or stacked
        return .repetition(atom, minimum: bounds.0, maximum: bounds.1)
    }

    /// `{n}`, `{n,}`, `{n,m}` (each at most 1000).
    private mutating func parseCount() -> (Int, Int?)? {
        position += 1
        guard let minimum = parseNumber() else { return nil }
        var maximum: Int? = minimum
        if current == "," {
            position += 1
            maximum = current == "}" ? nil : parseNumber()
            if maximum == nil, current != "}" { return nil }
        }
        guard current == "}" else { return nil }
        position += 1
        if let maximum, maximum < minimum { return nil }
        return (minimum, maximum)
    }

    private mutating func parseNumber() -> Int? {
        var value = 0
        var digits = 0
        while let scalar = current, ("0"..."9").contains(scalar) {
            value = value * 10 + Int(scalar.value - 48)
            digits += 1
            position += 1
            guard value <= 1000 else { return nil }
        }
        return digits > 0 ? value : nil
    }
}
