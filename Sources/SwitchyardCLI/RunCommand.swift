import ArgumentParser
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization
import SwitchyardAPI
import SwitchyardKit

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

    @ArgumentParser.Option(name: .long, help: ArgumentHelp(
        "How many threads run the stages (default: Swift's pool, one per core). 1 keeps the pipeline on one core.",
        valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, !(1...Self.maximumThreads).contains(threads) {
            throw ValidationError("--threads: expected a whole number from 1 to \(Self.maximumThreads), found \(threads)")
        }
    }

    /// More stage threads than this would only add switching (and a typo such as 1000 would
    /// start a thousand threads).
    static let maximumThreads = 256

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
        let plan: PipelinePlan
        do {
            plan = try files.load(registry: SwitchyardCommand.registry)
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode(1)
        }
        printDiagnostics(plan.warnings)
        // Held until the process ends (the kernel lets it go then, however it ends).
        let dataDirectoryLock: DataDirectoryLock?
        do {
            dataDirectoryLock = try plan.dataDirectory.map { directory throws(DataDirectoryLock.Failure) in try DataDirectoryLock(directory: directory) }
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(dataDirectoryLock) {} }

        // Stage counters, and any metric a stage makes with swift-metrics, land in one registry
        // that /metrics serves.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let running = Pipeline(plan: plan, logger: logger)
        logger.info("pipeline started", metadata: ["file": "\(files.displayName)", "stages": "\(plan.stages.count)"])
        let pipelineService = PipelineService(pipeline: running, threads: threads.map { StageThreads(count: $0) }, logger: logger)
        let reloader = ConfigurationReloader(files: files, pipeline: running, registry: SwitchyardCommand.registry,
                                             logger: logger, watchInterval: watch ? watchEvery : nil)
        // Shut down in reverse order: helpers first, then the pipeline drains (the API still
        // answers meanwhile), then the API, and signals are listened to until the very end.
        let group = GroupHandle()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: SignalEscalation(logger: logger) { await group.shutDown() }, serviceName: "signals"),
        ]
        if let api = plan.api {
            let server = APIServer(pipeline: running, configuration: api, logger: logger, registry: registry)
            services.append(.init(service: BackgroundService {
                do {
                    try await server.run { port in logger.info("API listening", metadata: ["address": "\(api.host):\(port)"]) }
                } catch {
                    logger.error("the API server stopped: \(error)")
                }
            }, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: "api"))
        }
        services.append(.init(service: pipelineService, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "pipeline"))
        services.append(.init(service: BackgroundService { await reloader.run() }, successTerminationBehavior: .ignore,
                              serviceName: "reload"))
        services.append(.init(service: BackgroundService {
            try? await Task.sleep(for: StartupPages.settleDelay)
            if !Task.isCancelled { StartupPages.release(reportingTo: logger) }
        }, successTerminationBehavior: .ignore, serviceName: "startup-pages"))
        if let progressEvery {
            services.append(.init(service: BackgroundService {
                await ProgressReporter(pipeline: running, interval: progressEvery, logger: logger).run()
            }, successTerminationBehavior: .ignore, serviceName: "progress"))
        }
        let serviceGroup = ServiceGroup(configuration: .init(services: services, logger: ServerLimits.serverLogger(logger)))
        group.connect(serviceGroup)
        try await serviceGroup.run()
        if let error = pipelineService.error {
            logger.error("pipeline failed: \(error)")
            throw ExitCode(1)
        }
        logger.info("pipeline drained; exiting")
    }
}

/// The service group, once made: the first signal may come before it exists.
private final class GroupHandle: Sendable {
    private let state = Mutex<(group: ServiceGroup?, requested: Bool)>((nil, false))

    func connect(_ group: ServiceGroup) {
        let requested = state.withLock { state -> Bool in
            state.group = group
            return state.requested
        }
        if requested { Task { await group.triggerGracefulShutdown() } }
    }

    func shutDown() async {
        let group = state.withLock { state -> ServiceGroup? in
            state.requested = true
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }
}
