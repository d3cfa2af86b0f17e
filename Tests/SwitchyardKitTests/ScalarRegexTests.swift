import Foundation
import Testing

@testable import SwitchyardKit

/// Switchyard's NFA must answer exactly as ICU (`NSRegularExpression`) does for every pattern
/// it takes; patterns outside its subset must be left to ICU.
@Suite("regular expressions: the NFA against ICU")
struct ScalarRegexTests {
    static let patterns = [
        #"^-?[0-9]+(\.[0-9]+)?$"#, "^sensor\\.", "temp", "^$", "a|b|", "(ab|a)(bc|c)", "x*", "^a*$", "(a*)*b",
        "colou?r", "^[^,]*,[^,]*$", "[a-z_]+\\.[a-z0-9_]+", "a{2,3}$", "^(?:on|off|unavailable)$", "a.c", "^.$", "^..$",
        "[-a]", "[a-]", "[.$^]", "\\$[0-9]{1,}", "^\\s*$".replacingOccurrences(of: "\\s", with: " "), "(a|ab)(c|bcd)(d*)",
        "^(a+)+$", "b{0}", "^a{0,2}$", "end$", "^\\t", "\\.$", "é", "^[^a]$",
        "^\\d+$", "\\D", "^\\w+$", "\\W", "\\s", "^\\S+$", "^[\\d.]+$", "[^\\s,]", "[\\D]", "[\\W\\d]", "^(\\d+)+$",
        "[é-ü]", "[😀]", "[^é]", "^\\s*\\w+\\s*=\\s*-?\\d+$", "[\\s-]", "[a\\w]",
    ]

    /// Beside ASCII: decimal digits of other scripts, a letter number, marks, joiners and
    /// spaces that only Unicode calls digits, word characters or white space.
    static let alphabet: [Character] = ["a", "b", "c", "d", "0", "1", "9", ".", "-", ",", "_", " ", "\n", "\r", "é", "😀", "\u{2028}", "\t", "$", "x",
                                        "٣", "Ⅻ", "\u{0301}", "\u{200D}", "\u{00A0}", "\u{000B}", "\u{0085}", "ß", "Z", "\u{203F}", "\u{3000}", "²"]

    static func icu(_ pattern: String, _ text: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
    }

    @Test("the same answer as ICU on fixed and random texts for every pattern of the subset")
    func agreesWithICU() throws {
        var generator = SystemRandomNumberGenerator()
        let fixed = ["", "21.5", "-3", "3.", "abc", "sensor.kitchen", "a,b", "a,b,c", "aab", "aaab", "ab\n", "ab\r\n", "\r\n", "x\r\n", "end\n",
                     "end\n\n", "color", "colour", "abcd", "\tx", "$12", "a\u{2028}", "é", "aé"]
        for pattern in Self.patterns {
            let regex = try #require(ScalarRegex(pattern), "\(pattern) should be in the subset")
            var texts = fixed
            for _ in 0..<300 {
                texts.append(String((0..<Int.random(in: 0...8, using: &generator)).map { _ in Self.alphabet.randomElement(using: &generator)! }))
            }
            for text in texts {
                #expect(regex.matches(text) == (try Self.icu(pattern, text)), "pattern \(pattern) on \(text.debugDescription)")
            }
        }
    }

    @Test("the DFA answers as ICU on plain ASCII texts (and on others up to a match), and is built for the common patterns")
    func dfaAgreesWithNFA() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab0195.-, _\t$xZé\n\r")
        var built = 0
        for pattern in Self.patterns {
            let regex = try #require(ScalarRegex(pattern))
            guard let dfa = regex.dfa else { continue }
            built += 1
            for _ in 0..<500 {
                var text = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
                let answer = text.withUTF8 { dfa.matches($0) }
                let plain = !text.isEmpty && text.utf8.allSatisfy { $0 < 0x80 && !(0x0A...0x0D).contains($0) }
                // Other texts get an answer only when a match came before the first byte it cannot read.
                if plain { #expect(answer != nil, "the DFA answers on plain ASCII: \(text.debugDescription)") }
                if let answer {
                    #expect(answer == (try Self.icu(pattern, text)), "pattern \(pattern) on \(text.debugDescription)")
                }
            }
        }
        #expect(built >= Self.patterns.count - 2, "most patterns get a DFA (\(built) of \(Self.patterns.count))")
        #expect(try #require(ScalarRegex(#"^-?[0-9]+(\.[0-9]+)?$"#)).dfa != nil)
        // A DFA that would need too many states is not built; the NFA still answers.
        let large = try #require(ScalarRegex("[ab]*a[ab]{9}$"))
        #expect(large.dfa == nil)
        #expect(large.matches("bbbabbbbbbbbb") && !large.matches("bbbbbbbbbbbbb"))
    }

    @Test("patterns outside the subset are left to ICU (and still work through CompiledPattern)")
    func outsideTheSubset() throws {
        for pattern in ["\\bword", "(?i)abc", "a(?=b)", "(a)\\1", "a++", "[\\p{L}]", "[[:alpha:]]", "a{2000}", "[]a]", "x{3,2}", "[\\d-z]"] {
            #expect(ScalarRegex(pattern) == nil, "\(pattern)")
        }
        let words = try CompiledPattern("(?i)^\\bWORD")
        #expect(try words.matches("word and more"))
        #expect(try !words.matches("sword"))
    }

    @Test("ICU's backtracking is stopped by a budget of steps: the match fails with an error, in milliseconds")
    func backtrackingBudget() throws {
        // Outside the subset (\b), and exponential in ICU on a run of digits that ends badly.
        let pattern = try CompiledPattern("^(\\d+\\b|\\d+)+$")
        #expect(ScalarRegex(pattern.source) == nil)
        let hostile = String(repeating: "1", count: 60) + "x"
        let error = #expect(throws: EvaluationError.self) { try pattern.matches(hostile) }
        #expect(error?.message.contains("was stopped on a string of 61 UTF-16 units") == true, "\(String(describing: error))")
        // Legitimate work on long text stays within the budget, which grows with the text.
        #expect(try pattern.matches(String(repeating: "7", count: 100_000)))
        let late = try CompiledPattern("(?i)needle\\b")
        #expect(try late.matches(String(repeating: "hay ", count: 250_000) + "NEEDLE"))
        #expect(try !late.matches(String(repeating: "hay ", count: 250_000)))
    }

    @Test("=~ on a field of the event's text (matched where it lies) answers as on the tree: ASCII, escapes, non-ASCII, null, absent, other types")
    func matchOnText() throws {
        let condition = try Condition(#".s =~ "^-?[0-9]+(\\.[0-9]+)?$""#)
        let lines = [#"{"s":"21.5"}"#, #"{"s":"-3"}"#, #"{"s":"3."}"#, #"{"s":"x21"}"#, #"{"s":"2\u0031"}"#, #"{"s":"1\n"}"#,
                     #"{"s":"١٢"}"#, #"{"s":"12é"}"#, #"{"s":null}"#, #"{"t":"1"}"#, #"{"s":""}"#, #"{"s":"7","s2":"x"}"#]
        for text in lines {
            let line = Array(text.utf8)
            let event = try #require(try Event(jsonLine: line[...], metadata: EventMetadata()))
            var reader = EventReader(event)
            let tree = try JSONParser().parse(line)
            #expect(try condition.test(&reader) == (try condition.test(tree)), "\(text)")
        }
        for text in [#"{"s":12}"#, #"{"s":[1]}"#] {
            let line = Array(text.utf8)
            let event = try #require(try Event(jsonLine: line[...], metadata: EventMetadata()))
            var reader = EventReader(event)
            #expect(throws: EvaluationError.self, "a match on a non-string is an error: \(text)") { try condition.test(&reader) }
        }
    }

    @Test("a condition on a hostile value fails with the budget's error, on the tree and on the text; other values pass")
    func backtrackingInACondition() throws {
        let condition = try Condition(#"matches(.s, "^(\\d+\\b|\\d+)+$")"#)
        for (text, expected) in [(String(repeating: "1", count: 58) + "x", nil), ("2024", true), ("20x", false)] {
            let line = Array(#"{"s":"\#(text)"}"#.utf8)
            let event = try #require(try Event(jsonLine: line[...], metadata: EventMetadata()))
            var reader = EventReader(event)
            let tree = try JSONParser().parse(line)
            for (way, test) in [("tree", { try condition.test(tree) }), ("text", { try condition.test(&reader) })] {
                if let expected {
                    #expect(try test() == expected, "\(text) (\(way))")
                } else {
                    let error = #expect(throws: EvaluationError.self, "\(way)") { try test() }
                    #expect(error?.message.contains("backtracks") == true)
                }
            }
        }
    }
}
