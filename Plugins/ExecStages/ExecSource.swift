import Foundation
import Logging
import SwitchyardKit

/// Runs a program and turns each line it writes to stdout into an event (a JSON value per line,
/// or `{"message": line}` with `format: lines`). A program that exits with status 0 ends the
/// source; one that fails or is killed is restarted with backoff.
public struct ExecSource: Source, SupervisedStage {
    public struct Configuration: StageConfiguration {
        @Option(ExecOptionChecks.commandHelp)
        var command: [String]
        @Option("ndjson: each line is a JSON value (other lines are counted and logged). lines: each line becomes {\"message\": line}.")
        var format = InputFormat.ndjson
        @Option("How the program is started again after it failed (an exit with status 0 ends the source).")
        var restart = RestartOptions()
        @Option(ExecOptionChecks.maxLineBytesHelp)
        var max_line_bytes = ConfigByteSize(bytes: 1 << 20)
        @Option(ExecOptionChecks.stopTimeoutHelp)
        var stop_timeout = ConfigDuration(.seconds(5))

        public init() {}

        public func problems() -> [OptionProblem] {
            ExecOptionChecks.problems(command: command, window: nil, maxLineBytes: max_line_bytes)
        }
    }

    public static let typeName = "exec"
    public static let summary = "Runs a program and makes each line it prints an event; restarts it when it fails."
    public static let example = """
        type: exec
        command: [sh, -c, 'while true; do echo "{\\"load\\": $(cut -d" " -f1 /proc/loadavg)}"; sleep 10; done']
        """

    private static let batchSize = 256

    private let configuration: Configuration
    private let context: StageContext
    let program: ProgramSupervisor

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
        program = ProgramSupervisor(command: configuration.command, restart: configuration.restart, window: Self.batchSize,
                                    maxLineBytes: configuration.max_line_bytes.bytes, context: context)
    }

    public func run(output: SourceOutput) async throws {
        await withTaskCancellationHandler {
            await read(into: output)
        } onCancel: {
            // Stopping: the program gets end of file and SIGTERM; what it prints until it exits is still read.
            Task { [program, configuration] in await program.stop(grace: configuration.stop_timeout.duration) }
        }
    }

    private func read(into output: SourceOutput) async {
        while true {
            let child: ChildProcess
            do {
                child = try await program.running()
            } catch is CancellationError {
                return  // stopped while waiting to restart: nothing failed
            } catch {
                context.logger.error("\(error)")
                return
            }
            child.input.close()  // it reads nothing from us
            let decoder = LineDecoder(format: configuration.format, context: context, inputName: configuration.command[0])
            var events: [Event] = []
            var number = 0
            reading: while true {
                // Take what is there without waiting; wait only when there is nothing to send.
                let item = await child.output.next(timeout: events.isEmpty ? nil : .zero)
                switch item {
                case .line(let line):
                    number += 1
                    let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
                    if let event = decoder.decode(line[...], lineNumber: number, metadata: metadata) { events.append(event) }
                    if events.count >= Self.batchSize {
                        await output.send(events)
                        events = []
                    }
                case .timedOut:
                    await output.send(events)
                    events = []
                case .end:
                    break reading
                }
            }
            if !events.isEmpty { await output.send(events) }
            guard let status = await program.exited() else { return }
            if status == 0 || Task.isCancelled {
                context.logger.info("\(configuration.command[0]) ended (\(ChildProcess.describe(status)))")
                return
            }
            program.countRestart()
            context.logger.warning("\(configuration.command[0]) failed (\(ChildProcess.describe(status))); restarting")
        }
    }
}
