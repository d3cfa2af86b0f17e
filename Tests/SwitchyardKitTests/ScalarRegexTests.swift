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
    ]

    static let alphabet: [Character] = ["a", "b", "c", "d", "0", "1", "9", ".", "-", ",", "_", " ", "\n", "\r", "é", "😀", "\u{2028}", "\t", "$", "x"]

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

    @Test("patterns outside the subset are left to ICU (and still work through CompiledPattern)")
    func outsideTheSubset() throws {
        for pattern in ["\\d+", "\\w", "\\bword", "(?i)abc", "a(?=b)", "(a)\\1", "a++", "[\\p{L}]", "[[:alpha:]]", "[é]", "a{2000}", "[]a]", "x{3,2}"] {
            #expect(ScalarRegex(pattern) == nil, "\(pattern)")
        }
        let digits = try CompiledPattern("^\\d+$")
        #expect(digits.matches("٣٤"))  // ICU's \d takes any decimal digit
        #expect(!digits.matches("3a"))
    }
}
