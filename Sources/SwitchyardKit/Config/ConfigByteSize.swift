/// A size written in a configuration: `512`, `64KB`, `1MB`, `10MB`, `1GB` (powers of 1024; `KiB` etc. also read).
public struct ConfigByteSize: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// The size in bytes.
    public var bytes: Int

    /// The largest size read (1 PiB).
    public static let maximumBytes = 1 << 50

    /// A size of `bytes` bytes.
    public init(bytes: Int) { self.bytes = bytes }

    /// Parses `512`, `64KB`, `1.5MB`; nil when the text is not a size.
    public init?(parsing text: String) {
        let units: [(suffix: String, factor: Double)] = [
            ("KiB", 1024), ("MiB", 1024 * 1024), ("GiB", 1024 * 1024 * 1024),
            ("KB", 1024), ("MB", 1024 * 1024), ("GB", 1024 * 1024 * 1024), ("B", 1), ("", 1),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = String(text.dropLast(unit.suffix.count)).trimmingSpaces
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            // Beyond a pebibyte it is not a size anyone means (and would not fit an Int: found by fuzzing).
            guard value * unit.factor <= Double(Self.maximumBytes) else { return nil }
            bytes = Int(value * unit.factor)
            return
        }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self), integer >= 0, integer <= Self.maximumBytes {
            bytes = integer
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = ConfigByteSize(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a size such as 512KB, 1MB or 10MB (units B, KB, MB, GB, or KiB, MiB, GiB; at most 1048576GB), found \"\(text)\"")
        }
        self = parsed
    }

    public var description: String {
        if bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024))MB" }
        if bytes % 1024 == 0 { return "\(bytes / 1024)KB" }
        return "\(bytes)B"
    }
}
