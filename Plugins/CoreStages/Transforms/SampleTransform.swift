import SwitchyardKit

/// Keeps one event in `rate`; with `key`, the same key is always kept or always discarded.
public struct SampleTransform: Transform {
    public struct Configuration: StageConfiguration, DropOnErrorConfiguration {
        @Option("Keep 1 event in this many; the rest are discarded.", minimum: 1)
        var rate: Int
        @Option("When given, an event is kept when the hash of this value falls in the 1/rate share: the same key is always kept or always discarded.")
        var key: Expression?
        @Option(dropOnErrorHelp) public var drop_on_error = true

        public init() {}

        public func problems() -> [OptionProblem] {
            rate < 1 ? [OptionProblem(option: "rate", "must be 1 or more (keep 1 event in rate)")] : []
        }
    }

    public static let typeName = "sample"
    public static let summary = "Keeps 1 event in `rate`; deterministic per `key` when given."
    public static let example = """
        type: sample
        inputs: [home]
        rate: 10
        key: .context.id
        """

    private let configuration: Configuration
    private let errors: ErrorsOutput
    private var seen = 0

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        let (key, rate) = (configuration.key, configuration.rate)  // read once: option getters copy
        for event in batch.events {
            let keep: Bool
            if let key {
                do {
                    let text = ValueText.of(try key.evaluate(event))
                    keep = StableHash.fnv1a(text) % UInt64(rate) == 0
                } catch {
                    errors.fail(event, "\(error)", into: &output)
                    continue
                }
            } else {
                keep = seen % rate == 0
                seen += 1
            }
            if keep { output.emit(event) } else { output.discarded += 1 }
        }
    }
}

/// A hash that is the same in every run (Swift's `Hasher` is seeded per process).
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
