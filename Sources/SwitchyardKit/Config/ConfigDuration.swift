/// A duration written in a configuration: `250ms`, `5s`, `1m`, `2h` (also `1.5s`, `0s`).
public struct ConfigDuration: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// The duration.
    public var duration: Duration

    /// The longest duration read: 10 years.
    public static let maximumSeconds: Double = 10 * 365 * 24 * 3600

    /// A duration of `duration`.
    public init(_ duration: Duration) { self.duration = duration }

    /// Parses `250ms`, `5s`, `1m`, `2h`, `1.5s`; nil when the text is not a duration.
    public init?(parsing text: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard !number.isEmpty, number.first != "-", let value = Double(number), value.isFinite,
                value * unit.seconds <= Self.maximumSeconds  // larger would overflow (found by fuzzing)
            else { return nil }
            duration = .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
            return
        }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = ConfigDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a duration such as 250ms, 5s, 1m or 2h, found \"\(text)\""
            )
        }
        self = parsed
    }

    /// The duration in seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    public var description: String {
        let milliseconds = Int64((seconds * 1000).rounded())
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        return "\(milliseconds / 1000)s"
    }
}
