import Logging
import Synchronization
import SwitchyardKit

/// Keeps one run of a stage's program going: starts it, restarts it with backoff after it
/// exited or hung, and ends it at shutdown (or kills it when the stage is dropped).
final class ProgramSupervisor: Sendable {
    private struct State {
        var child: ChildProcess?
        var backoff: Backoff
        var restarting = false
        var restarts = 0
        var lastExit: String?
    }

    let command: [String]
    private let context: StageContext
    private let maxLineBytes: Int
    private let window: Int
    private let state: Mutex<State>

    init(command: [String], restart: RestartOptions, window: Int, maxLineBytes: Int, context: StageContext) {
        self.command = command
        self.context = context
        self.window = window
        self.maxLineBytes = maxLineBytes
        state = Mutex(State(backoff: Backoff(initial: restart.initial_delay.duration, maximum: restart.max_delay.duration,
                                             multiplier: 2, jitter: 0.1)))
    }

    deinit {
        // A stage that ends without `stop` (it failed, the pipeline was torn down) leaves no program behind.
        state.withLock { $0.child }?.kill()
    }

    /// How many times the program was started again.
    var restarts: Int { state.withLock { $0.restarts } }

    /// The current run, started (after the backoff delay, when this is a restart) if there is none.
    func running() async throws -> ChildProcess {
        while true {
            let (child, delay) = state.withLock { state -> (ChildProcess?, Duration?) in
                if let child = state.child { return (child, nil) }
                return (nil, state.restarting ? state.backoff.next() : nil)
            }
            if let child { return child }
            if let delay { try await Task.sleep(for: delay) }
            do {
                let child = try ChildProcess(command: command, logger: context.logger, outputCapacity: window + 16,
                                             inputCapacity: max(window, 16) * 4096, maxLineBytes: maxLineBytes)
                state.withLock { $0.child = child }
                context.logger.debug("started \(command[0])", metadata: ["pid": "\(child.pid)"])
                return child
            } catch {
                let first = state.withLock { state -> Bool in
                    defer { state.restarting = true }
                    return !state.restarting && state.restarts == 0
                }
                // A program that cannot start at all is a configuration problem: fail the stage.
                if first { throw error }
                context.logger.warning("\(error); retrying")
            }
        }
    }

    /// The current run answered: the next failure starts the backoff afresh.
    func madeProgress() { state.withLock { $0.backoff.reset() } }

    /// The current run failed (`reason`): it is killed, and the next ``running()`` restarts it after a delay.
    func failed(_ reason: String) async {
        guard let child = state.withLock({ $0.child }) else { return }
        child.kill()
        let status = ChildProcess.describe(await child.exitStatus())
        state.withLock { state in
            state.child = nil
            state.restarting = true
            state.restarts += 1
            state.lastExit = status
        }
        context.logger.warning("\(reason) (\(status)); restarting \(command[0])")
    }

    /// The current run ended by itself (its output ended): returns its wait status; the next ``running()`` restarts it.
    func exited() async -> Int32? {
        guard let child = state.withLock({ $0.child }) else { return nil }
        let status = await child.exitStatus()
        state.withLock { state in
            state.child = nil
            state.restarting = true
            state.lastExit = ChildProcess.describe(status)
        }
        return status
    }

    /// Counts a restart that ``exited()`` led to.
    func countRestart() { state.withLock { $0.restarts += 1 } }

    /// Ends the current run gracefully (end of file, then SIGTERM, then SIGKILL), if any.
    func stop(grace: Duration) async {
        guard let child = state.withLock({ state -> ChildProcess? in
            defer { state.child = nil }
            return state.child
        }) else { return }
        await child.stop(grace: grace)
    }

    /// For `/health`: restarts, the running program's pid, how the last run ended.
    func healthDetails() -> JSONObject {
        state.withLock { state in
            var details = JSONObject()
            details["restarts"] = .int(Int64(state.restarts))
            if let child = state.child { details["pid"] = .int(Int64(child.pid)) }
            if let lastExit = state.lastExit { details["last_exit"] = .string(lastExit) }
            return details
        }
    }

    /// For `/metrics`.
    func metricSamples() -> [MetricSample] {
        [MetricSample("exec_restarts_total", .counter, help: "Times the stage's program was started again.", value: Double(restarts))]
    }
}
