/// A string option with a fixed set of values: decoding lists the valid ones on a mistake.
///
/// Conform a `String`-backed `CaseIterable` enum to get the error
/// `expected one of ndjson, lines, found "xml"` instead of a generic one.
public protocol ConfigEnum: RawRepresentable<String>, CaseIterable, OptionValue {}

extension ConfigEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let valid = Self.allCases.map(\.rawValue)
            var message = "expected one of \(valid.joined(separator: ", ")), found \"\(text)\""
            if let suggestion = Suggestion.closest(to: text, in: valid) { message += "; did you mean '\(suggestion)'?" }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: message)
        }
        self = value
    }

    /// The valid values, for docs.
    public static var valueList: String { allCases.map(\.rawValue).joined(separator: " | ") }
}
