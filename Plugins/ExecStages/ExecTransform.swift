import SwitchyardKit

/// Runs a program of any language as a transform: events go to its stdin as JSON lines, and it
/// answers each line, in order, with one line: an object (the event) or an array of objects
/// (zero or more events).
///
/// The answers say which events are done; the ones in flight when the program exits or hangs
/// are sent again to the restarted program, and after `max_attempts` the event waited on goes
/// to `<id>.errors` (or is dropped and counted with `drop_on_error`): nothing is lost unseen.
public struct ExecTransform: Transform, SupervisedStage {
    public struct Configuration: StageConfiguration, AnsweringProgramOptions, DropOnErrorConfiguration {
        @Option(ExecOptionChecks.commandHelp)
        var command: [String]
        @Option("Lines written ahead of the answers, so the pipe stays busy; also the most events re-sent after a crash.", minimum: 1)
        var window = 64
        @Option("The longest wait for one answer; a program that takes longer is killed and restarted.")
        var timeout = ConfigDuration(.seconds(30))
        @Option("Runs of the program one event may be the cause of failing (waited on when it exited or hung) before it goes to errors.", minimum: 1)
        var max_attempts = 3
        @Option("How the program is started again after it exited or hung.")
        var restart = RestartOptions()
        @Option("false: failed events (a bad answer, max_attempts reached) go to `<id>.errors` with `_error: {stage, message}`. true: they are dropped and counted.")
        public var drop_on_error = false
        @Option(ExecOptionChecks.maxLineBytesHelp)
        var max_line_bytes = ConfigByteSize(bytes: 1 << 20)
        @Option(ExecOptionChecks.stopTimeoutHelp)
        var stop_timeout = ConfigDuration(.seconds(5))

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems = ExecOptionChecks.problems(command: command, window: window, maxLineBytes: max_line_bytes)
            if max_attempts < 1 { problems.append(OptionProblem(option: "max_attempts", "must be at least 1")) }
            if timeout.duration <= .zero { problems.append(OptionProblem(option: "timeout", "must be longer than 0")) }
            return problems
        }
    }

    public static let typeName = "exec"
    public static let summary = "Runs a program (any language) that answers each JSON line on stdin with one line: an object, or an array of objects."
    public static let example = """
        type: exec
        inputs: [home]
        command: [python3, scripts/enrich.py]
        restart: { initial_delay: 1s, max_delay: 30s }
        """

    private let configuration: Configuration
    private let exchange: AnswerExchange
    private let errors: ErrorsOutput
    var program: ProgramSupervisor { exchange.program }

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        exchange = AnswerExchange(configuration, context: context)
        errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
    }

    /// Sends the batch's events (at most `window` ahead of the answers) and emits the answers in order.
    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) async throws {
        let events = batch.events
        try await exchange.run(events) { answer, index in
            handle(answer, for: events[index], into: &output)
        } gaveUp: { reason, index in
            errors.fail(events[index], reason, into: &output)
        }
    }

    /// End of input: the program gets end of file, then SIGTERM, then SIGKILL.
    public mutating func finish(into output: inout TransformOutput) async throws {
        await program.stop(grace: configuration.stop_timeout.duration)
    }

    /// An answer: an object is the event; an array of objects, zero or more events.
    private func handle(_ answer: [UInt8], for event: Event, into output: inout TransformOutput) {
        let value: JSONValue
        do {
            value = try JSONParser().parse(answer)
        } catch {
            errors.fail(event, "the answer is not JSON: \(error)", into: &output)
            return
        }
        switch value {
        case .object:
            output.emit(Event(value: value, metadata: event.metadata))
        case .array(let elements) where elements.allSatisfy({ $0.objectValue != nil }):
            for element in elements { output.emit(Event(value: element, metadata: event.metadata)) }
        default:
            errors.fail(event, "the answer is a \(value.typeName), not an object or an array of objects", into: &output)
        }
    }
}
