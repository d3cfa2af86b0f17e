/// How a consumer's input buffer behaves: its size and what happens when it is full.
public struct BufferPolicy: Sendable, Hashable {
    /// What a producer does when the consumer's buffer is full.
    public enum WhenFull: String, ConfigEnum {
        /// Wait until there is room (backpressure up to the sources).
        case block
        /// Drop the incoming batch and count the events as dropped.
        case drop_newest
    }

    /// Where the buffer keeps its events.
    public enum Kind: String, ConfigEnum {
        /// In memory, `max_events` at most: fast; lost on a crash.
        case memory
        /// On disk in `data_dir/<sink id>/buffer`, `max_size` bytes at most: survives crashes and long outages.
        case disk
    }

    /// The default buffer size, in events (also the size of every transform's input).
    ///
    /// Events read from a file share their 1 MiB read chunk, and one kept event keeps its
    /// whole chunk: behind a filter that keeps 40 % of events, 10,000 buffered events held
    /// about 11 MiB. At 2,000, W2's peak memory fell from about 70 to 51 MB at the same speed;
    /// a buffer still holds a whole read chunk's batch, so stages keep overlapping.
    public static let defaultMaxEvents = 2_000
    /// The default of the most bytes of events a memory buffer holds, whatever `max_events`
    /// allows: 2,000 events of 1 MiB lines would otherwise hold 2 GiB (measured: a 2.7 GB
    /// file of 900 KB lines into a slow HTTP sink peaked at 2.1 GB). A batch always fits into
    /// an empty buffer, so one larger than this still passes.
    public static let memoryMaxBytes = 64 << 20
    /// The default size of a disk buffer.
    public static let defaultMaxBytes: Int64 = 1 << 30

    /// Where events wait: in memory or on disk.
    public var type: Kind
    /// Events a memory buffer holds.
    public var maxEvents: Int
    /// Bytes a buffer holds: on disk, or of its events' text in memory.
    public var maxBytes: Int64
    /// What a producer does when the buffer is full.
    public var whenFull: WhenFull

    /// A buffer of the given kind and size; `maxBytes` defaults to ``memoryMaxBytes`` in
    /// memory and ``defaultMaxBytes`` on disk.
    public init(type: Kind = .memory, maxEvents: Int = BufferPolicy.defaultMaxEvents,
                maxBytes: Int64? = nil, whenFull: WhenFull = .block) {
        self.type = type
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes ?? (type == .disk ? Self.defaultMaxBytes : Int64(Self.memoryMaxBytes))
        self.whenFull = whenFull
    }
}

/// The `buffer:` mapping of a sink, as written.
struct BufferConfiguration: StageConfiguration {
    @Option("memory: fast, lost on a crash. disk: in data_dir/<sink id>/buffer, survives crashes and long outages.")
    var type = BufferPolicy.Kind.memory
    @Option("type memory: events the buffer holds.", minimum: 1)
    var max_events = BufferPolicy.defaultMaxEvents
    @Option("Bytes the buffer holds. type memory: of its events' text, whichever of max_events and max_size comes first (default 64MiB; a batch larger than this still passes when the buffer is empty). type disk: on disk (default 1GiB, at least 1MiB).")
    var max_size: ConfigByteSize?
    @Option("block: backpressure up to the sources. drop_newest: drop the incoming batch, counted.")
    var when_full = BufferPolicy.WhenFull.block

    init() {}

    func problems() -> [OptionProblem] {
        var problems: [OptionProblem] = []
        if max_events < 1 { problems.append(OptionProblem(option: "max_events", "must be at least 1")) }
        if let max_size, type == .disk, max_size.bytes < 1 << 20 { problems.append(OptionProblem(option: "max_size", "must be at least 1MiB for type: disk")) }
        if let max_size, max_size.bytes < 1 { problems.append(OptionProblem(option: "max_size", "must be at least 1 byte")) }
        if type == .disk, $max_events.isWritten { problems.append(OptionProblem(option: "max_events", "is for type: memory; a disk buffer is bounded by max_size")) }
        return problems
    }

    var policy: BufferPolicy {
        BufferPolicy(type: type, maxEvents: max_events, maxBytes: max_size.map { Int64($0.bytes) }, whenFull: when_full)
    }
}

extension BufferPolicy {
    /// The options of a sink's `buffer:` mapping, for docs.
    public static var declarations: [OptionDeclaration] { BufferConfiguration.declarations }
}
