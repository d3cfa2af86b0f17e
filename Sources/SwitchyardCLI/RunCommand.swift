import ArgumentParser
@preconcurrency import Dispatch
import Logging
import Synchronization
import SwitchyardAPI
import SwitchyardKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `switchyard run PIPELINE.yaml`: runs until the sources end or a signal stops it.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline until its sources end or SIGINT/SIGTERM (a second signal exits at once); SIGHUP reloads it."
    )

    @ArgumentParser.OptionGroup var files: PipelineFiles

    @ArgumentParser.Flag(name: .long, help: "Reload the configuration when a pipeline file changes (as SIGHUP does).")
    var watch = false

    @ArgumentParser.Option(name: .long, help: "How often --watch looks at the files.")
    var watchInterval: String = "1s"

    @ArgumentParser.OptionGroup var logging: LoggingOptions

    @ArgumentParser.Option(name: .long, help: "An info line with events/s per source and sink this often (e.g. 10s, 500ms); 0 turns it off.")
    var progressInterval: String = "10s"

    func run() async throws {
        let logger = logging.bootstrap()
        let progressEvery: Duration?
        if progressInterval == "0" || progressInterval == "0s" {
            progressEvery = nil
        } else if let parsed = ConfigDuration(parsing: progressInterval), parsed.duration > .zero {
            progressEvery = parsed.duration
        } else {
            throw ValidationError("--progress-interval: expected a duration such as 10s or 500ms, or 0, found \"\(progressInterval)\"")
        }
        guard let watchEvery = ConfigDuration(parsing: watchInterval)?.duration, watchEvery > .zero else {
            throw ValidationError("--watch-interval: expected a duration such as 1s or 500ms, found \"\(watchInterval)\"")
        }
        // Signals are taken over before anything else: a SIGTERM while the pipeline is still
        // loading stops it as soon as it exists, with the usual drain.
        let stop = DeferredStop()
        let signals = SignalHandler(logger: logger) { stop.fire() }
        defer { signals.cancel() }
        let plan: PipelinePlan
        do {
            plan = try files.load(registry: SwitchyardCommand.registry)
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode(1)
        }
        printDiagnostics(plan.warnings)

        let running = Pipeline(plan: plan, logger: logger)
        stop.connect { running.stop() }
        logger.info("pipeline started", metadata: ["file": "\(files.displayName)", "stages": "\(plan.stages.count)"])
        let reloader = ConfigurationReloader(files: files, pipeline: running, registry: SwitchyardCommand.registry,
                                             logger: logger, watchInterval: watch ? watchEvery : nil)
        let server = plan.api.map { APIServer(pipeline: running, configuration: $0, logger: logger) }
        let outcome = await withTaskGroup(of: Void.self) { group -> Result<Void, any Error> in
            if let server, let api = plan.api {
                group.addTask {
                    do {
                        try await server.run { port in
                            logger.info("API listening", metadata: ["address": "\(api.host):\(port)"])
                        }
                    } catch {
                        logger.error("the API server stopped: \(error)")
                    }
                }
            }
            if let progressEvery {
                group.addTask { await ProgressReporter(pipeline: running, interval: progressEvery, logger: logger).run() }
            }
            group.addTask { await reloader.run() }
            let outcome: Result<Void, any Error>
            defer { group.cancelAll() }
            do {
                try await running.run()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await server?.shutdown()
            return outcome
        }
        if case .failure(let error) = outcome {
            logger.error("pipeline failed: \(error)")
            throw ExitCode(1)
        }
        logger.info("pipeline drained; exiting")
    }
}

/// SIGINT/SIGTERM: the first asks for a graceful stop, the second exits at once.
final class SignalHandler: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(logger: Logger, stop: @escaping @Sendable () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        let received = Counter()
        let handle = { @Sendable (number: Int32) in
            let count = received.increment()
            if count == 1 {
                logger.notice("received signal \(number); draining (send it again to exit at once)")
                stop()
            } else {
                logger.warning("received signal \(number) again; exiting without draining")
                _exit(128 + number)
            }
        }
        sources = [SIGINT, SIGTERM].map { (number: Int32) -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handle(number) }
            source.resume()
            return source
        }
        // A signal that came before these handlers (while the process started) counts as the first.
        EarlySignals.pending.forEach(handle)
    }

    func cancel() { sources.forEach { $0.cancel() } }
}

/// A stop request that may come before there is anything to stop: kept until `connect`.
private final class DeferredStop: Sendable {
    private let state = Mutex<(requested: Bool, action: (@Sendable () -> Void)?)>((false, nil))

    func fire() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            state.requested = true
            return state.action
        }
        action?()
    }

    func connect(_ action: @escaping @Sendable () -> Void) {
        let requested = state.withLock { state -> Bool in
            state.action = action
            return state.requested
        }
        if requested { action() }
    }
}

/// A thread-safe count of received signals.
private final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        value.withLock { count in
            count += 1
            return count
        }
    }
}
