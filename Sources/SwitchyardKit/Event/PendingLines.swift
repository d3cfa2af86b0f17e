/// The lines split from one read, waiting to be decoded together (on two tasks when there
/// are many bytes of them, see `LineDecoder.decode(_:metadata:)`).
///
/// The list stays short whatever the input: once it holds ``limit`` lines (a read of a
/// million blank or tiny lines), they are decoded on the spot and the list starts again, so
/// a read costs at most that many entries on top of its events.
public struct PendingLines {
    /// The most lines held before they are decoded on the spot.
    public static let limit = 8_192

    private let decoder: LineDecoder
    private let metadata: EventMetadata
    private var lines: [(line: ArraySlice<UInt8>, number: Int)] = []
    private var decoded: [Event] = []

    /// Lines for `decoder`, whose events carry `metadata`.
    public init(decoder: LineDecoder, metadata: EventMetadata) {
        self.decoder = decoder
        self.metadata = metadata
    }

    /// Adds one line (without its newline) and its number.
    public mutating func append(_ line: ArraySlice<UInt8>, number: Int) {
        if lines.count == Self.limit {
            decoder.append(lines[...], metadata: metadata, to: &decoded)
            lines.removeAll(keepingCapacity: true)
        }
        lines.append((line, number))
    }

    /// The events of every line added, in order.
    public consuming func events() async -> [Event] {
        let rest = await decoder.decode(lines, metadata: metadata)
        guard !decoded.isEmpty else { return rest }
        return decoded + rest
    }
}
