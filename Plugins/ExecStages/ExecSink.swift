import SwitchyardKit

/// Runs a program and writes each event to its stdin as a JSON line. With `acknowledgements`,
/// the program answers each line with `ok` once it has handled it, and events are acknowledged
/// (checkpoints move, `http_server` answers 200) only then; what was in flight when it exited or
/// hung is written again to the restarted program.
public struct ExecSink: Sink, SupervisedStage {
    public struct Configuration: StageConfiguration, AnsweringProgramOptions {
        @Option(ExecOptionChecks.commandHelp)
        var command: [String]
        @Option("true: the program answers each line with `ok` (anything else: that event is dropped, counted); events are acknowledged after their `ok`, and re-sent after a crash. false: acknowledged once written to the pipe (a crash of the program loses what it had read and not handled).")
        var acknowledgements = false
        @Option("With acknowledgements: lines written ahead of the answers.", minimum: 1)
        var window = 64
        @Option("With acknowledgements: the longest wait for one answer; a program that takes longer is killed and restarted.")
        var timeout = ConfigDuration(.seconds(30))
        @Option("With acknowledgements: runs of the program one event may be the cause of failing before it is dropped (counted).", minimum: 1)
        var max_attempts = 3
        @Option("How the program is started again after it exited or hung.")
        var restart = RestartOptions()
        @Option(ExecOptionChecks.maxLineBytesHelp)
        var max_line_bytes = ConfigByteSize(bytes: 1 << 20)
        @Option(ExecOptionChecks.stopTimeoutHelp)
        var stop_timeout = ConfigDuration(.seconds(5))

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems = ExecOptionChecks.problems(command: command, window: window, maxLineBytes: max_line_bytes)
            if max_attempts < 1 { problems.append(OptionProblem(option: "max_attempts", "must be at least 1")) }
            return problems
        }
    }

    public static let typeName = "exec"
    public static let summary = "Writes events as JSON lines to a program's stdin; with acknowledgements it answers `ok` per line."
    public static let example = """
        type: exec
        inputs: [home]
        command: [python3, scripts/store.py]
        acknowledgements: true
        """

    private let configuration: Configuration
    private let context: StageContext
    private let exchange: AnswerExchange
    var program: ProgramSupervisor { exchange.program }

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
        exchange = AnswerExchange(configuration, context: context)
    }

    public func run(input: SinkInput) async throws {
        for await batch in input {
            let receipt = input.receipt()
            if configuration.acknowledgements {
                try await deliverAcknowledged(batch.events)
            } else {
                try await write(batch.events)
            }
            context.metrics.addOut(batch.count)
            receipt.acknowledge()
        }
        await program.stop(grace: configuration.stop_timeout.duration)
    }

    /// Writes the events; a broken pipe restarts the program and writes the rest to the new run.
    private func write(_ events: [Event]) async throws {
        var bytes: [UInt8] = []
        for event in events {
            event.writeJSON(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        while true {
            let child = try await program.running()
            if await child.input.send(bytes) { return }
            await program.failed("the program stopped reading its input")
        }
    }

    /// Writes at most `window` lines ahead of the `ok`s; re-sends what was in flight after a failure.
    private func deliverAcknowledged(_ events: [Event]) async throws {
        try await exchange.run(events) { answer, _ in
            if answer != Array("ok".utf8), answer != Array("ok\r".utf8) {
                context.problems.drop(because: "the program answered \"\(String(decoding: answer.prefix(200), as: UTF8.self))\", not ok")
            }
        } gaveUp: { reason, _ in
            context.problems.drop(because: reason)
        }
    }
}
