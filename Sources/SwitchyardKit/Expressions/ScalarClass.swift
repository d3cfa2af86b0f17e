/// One of the class escapes `\d \D \w \W \s \S`, with ICU's meaning:
/// - `\d`: general category Nd (any decimal digit, `٣` too);
/// - `\w`: `[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\u200c\u200d]`;
/// - `\s`: `\p{White_Space}`;
/// and the upper-case letter for the complement.
struct ScalarClass: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case digit, word, space
    }

    let kind: Kind
    let negated: Bool

    /// The class that `\letter` names, or nil when the letter names none.
    init?(escape letter: Unicode.Scalar) {
        switch letter {
        case "d": (kind, negated) = (.digit, false)
        case "D": (kind, negated) = (.digit, true)
        case "w": (kind, negated) = (.word, false)
        case "W": (kind, negated) = (.word, true)
        case "s": (kind, negated) = (.space, false)
        case "S": (kind, negated) = (.space, true)
        default: return nil
        }
    }

    func contains(_ value: UInt32) -> Bool {
        (value < 0x80 ? Self.asciiContains(kind, value) : Self.unicodeContains(kind, value)) != negated
    }

    private static func asciiContains(_ kind: Kind, _ value: UInt32) -> Bool {
        switch kind {
        case .digit: return value &- 0x30 < 10
        case .word: return value &- 0x30 < 10 || (value | 0x20) &- 0x61 < 26 || value == 0x5F
        case .space: return value == 0x20 || value &- 0x09 < 5
        }
    }

    private static func unicodeContains(_ kind: Kind, _ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return false }
        let properties = scalar.properties
        switch kind {
        case .digit:
            return properties.generalCategory == .decimalNumber
        case .word:
            if properties.isAlphabetic || value == 0x200C || value == 0x200D { return true }
            switch properties.generalCategory {
            case .decimalNumber, .connectorPunctuation, .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return false
            }
        case .space:
            return properties.isWhitespace
        }
    }
}
