import SwitchyardKit

/// Discards events whose `fields` repeat those of one of the last `cache_size` distinct events.
public struct DedupeTransform: Transform {
    public struct Configuration: StageConfiguration {
        @Option("The paths that together identify an event (missing ones count as null).")
        var fields: [String]
        @Option("How many distinct keys are remembered (least recently seen forgotten first). A key is kept as a 128-bit digest of its values: about 60 bytes each, however large the values.", minimum: 1)
        var cache_size = 5000

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if fields.isEmpty { problems.append(OptionProblem(option: "fields", "needs at least one path")) }
            for field in fields where (try? Expression(field))?.isPath != true {
                problems.append(OptionProblem(option: "fields", "'\(field)' is not a path such as .context.id"))
            }
            if cache_size < 1 { problems.append(OptionProblem(option: "cache_size", "must be 1 or more")) }
            return problems
        }
    }

    public static let typeName = "dedupe"
    public static let summary = "Discards events whose `fields` match one of the last `cache_size` distinct events."
    public static let example = """
        type: dedupe
        inputs: [home]
        fields: [.context.id, .event_type]
        cache_size: 5000
        """

    private let paths: [Expression]
    private var cache: RecentKeys

    public init(configuration: Configuration, context: StageContext) throws {
        self.paths = try configuration.fields.map { try Expression($0) }
        self.cache = RecentKeys(capacity: configuration.cache_size)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        for event in batch.events {
            let key = KeyDigest(.array(paths.map { (try? $0.evaluate(event)) ?? .null }))
            if cache.insert(key) { output.emit(event) } else { output.discarded += 1 }
        }
    }
}

/// The most recently seen keys, at most `capacity`; seeing a key again makes it recent. Keys
/// are kept as digests, so the memory is about 50 bytes a key whatever the events hold.
struct RecentKeys {
    let capacity: Int
    private var lastSeen: [KeyDigest: Int] = [:]
    private var order: [(key: KeyDigest, tick: Int)] = []
    private var head = 0
    private var tick = 0
    /// `order` is compacted past this many entries: 4 × capacity + 1024, saturated (a
    /// `cache_size` near Int.max must not overflow).
    private let compactionThreshold: Int

    init(capacity: Int) {
        self.capacity = capacity
        compactionThreshold = capacity > (Int.max - 1024) / 4 ? Int.max : capacity * 4 + 1024
    }

    /// Records `key`; returns true when it was not among the recent keys.
    mutating func insert(_ key: KeyDigest) -> Bool {
        tick += 1
        let isNew = lastSeen.updateValue(tick, forKey: key) == nil
        order.append((key, tick))
        while lastSeen.count > capacity, head < order.count {
            let oldest = order[head]
            head += 1
            // Only evict if this entry is the key's latest sighting.
            if lastSeen[oldest.key] == oldest.tick { lastSeen[oldest.key] = nil }
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        // Stale entries of keys seen again pile up in `order`; compact when it grows far beyond capacity.
        if order.count - head > compactionThreshold {
            order = order[head...].filter { lastSeen[$0.key] == $0.tick }
            head = 0
        }
        return isNew
    }
}
