/// A ``ScalarRegex`` over ASCII text as a deterministic automaton, built once at load: one
/// table lookup per byte instead of the NFA's walk over its state lists.
///
/// Each DFA state is a set of NFA states (those reached from the match attempts still alive),
/// found by a breadth-first walk over the 128 ASCII bytes. It answers only for plain ASCII
/// text without line terminators, where ICU's `$` means the end of the text and nothing else;
/// for any other text ``matches(_:)`` returns nil and the NFA answers. A pattern whose DFA
/// would pass ``maximumStates``, or whose NFA passes ``maximumNFAStates``, gets none
/// (``init(_:)`` returns nil).
struct RegexDFA: Sendable {
    /// More states than this and the NFA keeps the pattern (a table of 128 bytes per state).
    static let maximumStates = 128
    /// Patterns with more NFA states than this are not made into a DFA.
    static let maximumNFAStates = 256

    /// The next state: `transitions[state << 7 | byte]`.
    private let transitions: [UInt8]
    /// States in which an attempt has reached the match: the search ends, true.
    private let matched: [Bool]
    /// States in which an attempt matches if the text ends there (through `$`).
    private let matchesAtEnd: [Bool]

    /// The automaton of `regex`; nil when it would need more than ``maximumStates`` states.
    init?(_ regex: ScalarRegex) {
        // The construction costs up to states x 128 walks of the NFA: large patterns keep the NFA.
        guard regex.states.count <= Self.maximumNFAStates else { return nil }
        var builder = Builder(regex: regex)
        guard builder.build() else { return nil }
        transitions = builder.transitions
        matched = builder.sets.map(\.matched)
        matchesAtEnd = builder.sets.map { builder.closure(of: $0.ends.map(builder.following), atTextEnd: true).matched }
    }

    /// Whether the pattern matches somewhere in `text`; nil when the text is empty, not ASCII
    /// or has a line terminator (the NFA answers then).
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard !text.isEmpty else { return nil }
        var state = 0
        if matched[0] { return true }
        for byte in text {
            // Not ASCII, or one of \n \v \f \r: `.` and `$` treat these apart.
            guard byte < 0x80, byte &- 0x0A >= 4 else { return nil }
            state = Int(transitions[state << 7 | Int(byte)])
            if matched[state] { return true }
        }
        return matchesAtEnd[state]
    }
}

extension RegexDFA {
    /// The NFA states reached without consuming, from some seeds.
    struct StateSet: Hashable {
        /// States that consume a scalar next (sorted).
        var consumers: [Int] = []
        /// `$` states met, waiting to learn whether the text ends here (sorted).
        var ends: [Int] = []
        /// Whether the match state was reached.
        var matched = false
    }

    /// The subset construction.
    private struct Builder {
        let regex: ScalarRegex
        var sets: [StateSet] = []
        var numbers: [StateSet: Int] = [:]
        var transitions: [UInt8] = []

        init(regex: ScalarRegex) {
            self.regex = regex
        }

        /// Walks every state reachable from the text's start; false past the state limit.
        mutating func build() -> Bool {
            _ = number(of: closure(of: [regex.start], atTextStart: true))
            var next = 0
            while next < sets.count {
                let set = sets[next]
                for byte in 0..<UInt32(128) {
                    // A new attempt starts at every position (the search is unanchored).
                    var seeds = [regex.start]
                    for consumer in set.consumers {
                        if case .consume(let predicate, let following) = regex.states[consumer], predicate.accepts(byte) {
                            seeds.append(following)
                        }
                    }
                    let target = number(of: closure(of: seeds))
                    guard target < RegexDFA.maximumStates else { return false }
                    transitions.append(UInt8(target))
                }
                next += 1
            }
            return true
        }

        private mutating func number(of set: StateSet) -> Int {
            if let known = numbers[set] { return known }
            sets.append(set)
            numbers[set] = sets.count - 1
            return sets.count - 1
        }

        /// The state after a `$` state.
        func following(_ end: Int) -> Int {
            guard case .atEnd(let next) = regex.states[end] else { preconditionFailure("not a $ state") }
            return next
        }

        /// What `seeds` reach without consuming; `^` passes only at the text's start, `$` only at its end.
        func closure(of seeds: [Int], atTextStart: Bool = false, atTextEnd: Bool = false) -> StateSet {
            var set = StateSet()
            var seen = Set<Int>()
            var pending = seeds
            while let state = pending.popLast() {
                guard seen.insert(state).inserted else { continue }
                switch regex.states[state] {
                case .match: set.matched = true
                case .consume: set.consumers.append(state)
                case .split(let first, let second): pending += [second, first]
                case .atStart(let next): if atTextStart { pending.append(next) }
                case .atEnd(let next): if atTextEnd { pending.append(next) } else { set.ends.append(state) }
                }
            }
            set.consumers.sort()
            set.ends.sort()
            return set
        }
    }
}
