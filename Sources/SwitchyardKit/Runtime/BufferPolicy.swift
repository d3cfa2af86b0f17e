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
    /// The most bytes of events a memory buffer holds, whatever `max_events` allows: 2,000
    /// events of 1 MiB lines would otherwise hold 2 GiB (measured: a 2.7 GB file of 900 KB
    /// lines into a slow HTTP sink peaked at 2.1 GB). A batch always fits into an empty
    /// buffer, so one larger than this still passes.
    public static let memoryMaxBytes = 64 << 20
    /// The default size of a disk buffer.
    public static let defaultMaxBytes: Int64 = 1 << 30

    /// Where events wait: in memory or on disk.
    public var type: Kind
    /// Events a memory buffer holds.
    public var maxEvents: Int
    /// Bytes a disk buffer holds.
    public var maxBytes: Int64
    /// What a producer does when the buffer is full.
    public var whenFull: WhenFull

    /// A buffer of the given kind and size.
    public init(type: Kind = .memory, maxEvents: Int = BufferPolicy.defaultMaxEvents,
                maxBytes: Int64 = BufferPolicy.defaultMaxBytes, whenFull: WhenFull = .block) {
        self.type = type
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.whenFull = whenFull
    }
}

/// The `buffer:` mapping of a sink, as written.
struct BufferConfiguration: StageConfiguration {
    @Option("memory: fast, lost on a crash. disk: in data_dir/<sink id>/buffer, survives crashes and long outages.")
    var type = BufferPolicy.Kind.memory
    @Option("type memory: events the buffer holds.", minimum: 1)
    var max_events = BufferPolicy.defaultMaxEvents
    @Option("type disk: bytes the buffer holds on disk (at least 1MiB).")
    var max_size = ConfigByteSize(bytes: Int(BufferPolicy.defaultMaxBytes))
    @Option("block: backpressure up to the sources. drop_newest: drop the incoming batch, counted.")
    var when_full = BufferPolicy.WhenFull.block

    init() {}

    func problems() -> [OptionProblem] {
        var problems: [OptionProblem] = []
        if max_events < 1 { problems.append(OptionProblem(option: "max_events", "must be at least 1")) }
        if max_size.bytes < 1 << 20 { problems.append(OptionProblem(option: "max_size", "must be at least 1MiB")) }
        if type == .disk, $max_events.isWritten { problems.append(OptionProblem(option: "max_events", "is for type: memory; a disk buffer is bounded by max_size")) }
        if type != .disk, $max_size.isWritten { problems.append(OptionProblem(option: "max_size", "is for type: disk; a memory buffer is bounded by max_events")) }
        return problems
    }

    var policy: BufferPolicy {
        BufferPolicy(type: type, maxEvents: max_events, maxBytes: Int64(max_size.bytes), whenFull: when_full)
    }
}

extension BufferPolicy {
    /// The options of a sink's `buffer:` mapping, for docs.
    public static var declarations: [OptionDeclaration] { BufferConfiguration.declarations }
}
