import SwitchyardKit

/// Lets at most `threshold` events through per `window` (per `key` when given); the excess is discarded and counted.
public struct ThrottleTransform: Transform {
    public struct Configuration: StageConfiguration, DropOnErrorConfiguration {
        @Option("Events let through per window (per key).", minimum: 1)
        var threshold: Int
        @Option("The window length; windows start at the first event of a key.")
        var window: ConfigDuration
        @Option("Throttle each value of this separately (e.g. .data.entity_id). A key is remembered until its window ends, as a 128-bit digest: about 60 bytes, however large the value.")
        var key: Expression?
        @Option(dropOnErrorHelp) public var drop_on_error = true

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if threshold < 1 { problems.append(OptionProblem(option: "threshold", "must be 1 or more")) }
            if window.duration <= .zero { problems.append(OptionProblem(option: "window", "must be longer than 0")) }
            return problems
        }
    }

    public static let typeName = "throttle"
    public static let summary = "At most `threshold` events per `window` (per `key`); the excess is discarded and counted."
    public static let example = """
        type: throttle
        inputs: [home]
        threshold: 10
        window: 1m
        key: .data.entity_id
        """

    /// A key's current window; keys whose window ended are forgotten (bounds memory).
    private struct Window {
        var start: ContinuousClock.Instant
        var count: Int
    }

    private let configuration: Configuration
    private let errors: ErrorsOutput
    /// Keys are kept as digests: a key costs the same memory whatever its value's size.
    private var windows: [KeyDigest: Window] = [:]
    private var lastSweep = ContinuousClock.now

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        let now = ContinuousClock.now
        let length = configuration.window.duration
        if now - lastSweep > length {
            windows = windows.filter { now - $0.value.start < length }
            lastSweep = now
        }
        let (keyExpression, threshold) = (configuration.key, configuration.threshold)  // read once: option getters copy
        let unkeyed = KeyDigest(.null)
        for event in batch.events {
            var key = unkeyed
            if let expression = keyExpression {
                do {
                    key = KeyDigest(try expression.evaluate(event))
                } catch {
                    errors.fail(event, "\(error)", into: &output)
                    continue
                }
            }
            var window = windows[key] ?? Window(start: now, count: 0)
            if now - window.start >= length { window = Window(start: now, count: 0) }
            window.count += 1
            windows[key] = window
            if window.count <= threshold { output.emit(event) } else { output.discarded += 1 }
        }
    }
}
