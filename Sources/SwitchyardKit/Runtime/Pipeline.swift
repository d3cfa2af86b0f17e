import CoreMetrics
import Logging
import Synchronization

/// A running pipeline: one structured task tree with a child task per stage instance.
///
/// ``run()`` returns when the graph has drained: every source ended (or was
/// stopped by ``stop()``), every transform passed on what it had, every sink
/// flushed. It throws ``PipelineFailure`` when any stage failed; a failure stops
/// the sources so the rest of the graph still drains. While it runs,
/// ``reload(to:)`` changes the graph in place.
public final class Pipeline: Sendable {
    /// What the runtime holds for the current configuration.
    struct Runtime {
        var plan: PipelinePlan
        var slots: [String: StageSlot] = [:]
        var metrics: [String: StageMetrics] = [:]
        /// Instance tasks launched and not yet ended.
        var runningTasks = 0
        var isReloading = false
        /// Set once the stages of the first configuration are made and wired.
        var isWired = false
        /// Set once the last task ended: the pipeline takes no reload any more.
        var hasEnded = false
    }

    typealias Job = @Sendable () async -> Void

    let runtime: Mutex<Runtime>
    let logger: Logger
    let resources: StageResources
    let metricsFactory: any MetricsFactory
    let stopSignal = StopSignal()
    let failures = Mutex<[PipelineFailure.StageFailure]>([])
    let started = ContinuousClock.now
    /// The taps reading the pipeline now, ended with it.
    let taps = Mutex<[ObjectIdentifier: Tap]>([:])
    private let jobs: AsyncStream<Job>
    private let jobQueue: AsyncStream<Job>.Continuation

    /// A pipeline for `plan`; every stage's context carries `resources`. Stage counters are
    /// reported to `metricsFactory` too (by default the process's swift-metrics backend).
    public init(plan: PipelinePlan, logger: Logger, resources: StageResources = StageResources(),
                metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        var runtime = Runtime(plan: plan)
        for stage in plan.stages {
            runtime.metrics[stage.id] = Self.makeMetrics(for: stage, factory: metricsFactory)
        }
        self.runtime = Mutex(runtime)
        self.logger = logger
        self.resources = resources
        self.metricsFactory = metricsFactory
        (jobs, jobQueue) = AsyncStream.makeStream()
    }

    /// The stages' counters, by id (a reloaded stage keeps counting on its id's counters).
    public var metrics: [String: StageMetrics] { runtime.withLock { $0.metrics } }

    /// The configuration running now: the first one, or the last one a reload applied.
    public var plan: PipelinePlan { runtime.withLock { $0.plan } }

    /// Asks the sources to stop; the graph then drains. Safe to call from anywhere, more than once.
    public func stop() {
        if stopSignal.fire() { logger.info("stopping: sources stop, the graph drains") }
    }

    /// Runs the pipeline until it has drained, its stages on `threads` if given (else on
    /// Swift's global pool).
    public func run(on threads: StageThreads? = nil) async throws {
        let initial = runtime.withLock { $0.plan }
        do {
            _ = try await apply(initial)
        } catch .stages(let failed) {
            jobQueue.finish()
            throw PipelineFailure(failures: failed)
        } catch {
            jobQueue.finish()
            throw PipelineFailure(failures: [.init(stageID: "-", message: "\(error)")])
        }
        await withTaskExecutorPreference(threads) {
            await withDiscardingTaskGroup { group in
                for await job in jobs { group.addTask { await job() } }
            }
        }
        endTaps()
        let failed = failures.withLock { $0 }
        logSummary()
        if !failed.isEmpty { throw PipelineFailure(failures: failed) }
    }

    /// Queues the task of `instance` (counted as running from now).
    func launch(_ job: @escaping Job) {
        jobQueue.yield(job)
    }

    /// One instance task has ended: once none runs and no reload is under way, the pipeline ends.
    func taskEnded(_ instance: StageInstance, ports: [OutputPort]) {
        let (isLast, pipelineEnded) = runtime.withLock { runtime -> (Bool, Bool) in
            let isLast = instance.markEnded()
            runtime.runningTasks -= 1
            return (isLast, endIfIdle(&runtime))
        }
        if isLast { ports.forEach { $0.finish() } }
        instance.done.fire()
        if pipelineEnded { jobQueue.finish() }
    }

    /// Marks the pipeline ended when nothing runs and no reload is under way.
    func endIfIdle(_ runtime: inout Runtime) -> Bool {
        guard runtime.runningTasks == 0, !runtime.isReloading, !runtime.hasEnded else { return false }
        runtime.hasEnded = true
        return true
    }

    /// Ends the job queue (the last task ended during a reload).
    func endJobs() { jobQueue.finish() }

    func context(for stage: PlannedStage, metrics: StageMetrics, dataDirectory: String?) -> StageContext {
        let stopSignal = self.stopSignal
        return StageContext(id: stage.id, typeName: stage.typeName, logger: logger, metrics: metrics,
                            dataDirectory: dataDirectory.map { "\($0)/\(stage.id)" }, resources: resources,
                            metricsFactory: metricsFactory, stopRequested: { stopSignal.isFired })
    }

    /// New counters for `stage`, reported with its id, kind and type.
    func makeMetrics(for stage: PlannedStage) -> StageMetrics {
        Self.makeMetrics(for: stage, factory: metricsFactory)
    }

    private static func makeMetrics(for stage: PlannedStage, factory: any MetricsFactory) -> StageMetrics {
        StageMetrics(dimensions: [("stage", stage.id), ("kind", stage.kind.rawValue), ("type", stage.typeName)], factory: factory)
    }

    func fail(_ stage: PlannedStage, _ error: any Error) {
        var logger = logger
        logger[metadataKey: "stage"] = "\(stage.id)"
        logger.error("stage failed: \(error)")
        failures.withLock { $0.append(.init(stageID: stage.id, message: "\(error)")) }
        stop()
    }

    /// The task of one instance: waits for the instance it replaces, then runs.
    func job(for instance: StageInstance, slot: StageSlot, after predecessor: StageInstance?,
             reusesChannel: Bool, finishingFirst retiredPorts: [OutputPort]) -> Job {
        { [self] in
            await predecessor?.done.wait()
            retiredPorts.forEach { $0.finish() }
            if reusesChannel { slot.channel?.takeOver() }
            let metrics = metrics(slot.stage.id)
            switch instance.made {
            case .source(let source):
                await runSource(source, instance: instance, port: slot.port(nil)!, metrics: metrics)
            case .transform(let transform):
                await runTransform(transform, stage: instance.stage, channel: slot.channel!, ports: slot.ports, metrics: metrics)
            case .sink(let sink):
                await runSink(sink, stage: instance.stage, channel: slot.channel!, metrics: metrics)
            }
            taskEnded(instance, ports: Array(slot.ports.values))
        }
    }

    private func metrics(_ id: String) -> StageMetrics {
        runtime.withLock { $0.metrics[id]! }
    }

    private func runSource(_ source: any Source, instance: StageInstance, port: OutputPort, metrics: StageMetrics) async {
        guard !stopSignal.isFired, !instance.retire.isFired else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await source.run(output: SourceOutput(port: port, metrics: metrics))
                } catch is CancellationError where self.stopSignal.isFired || instance.retire.isFired {
                    // Stopped on request: a normal end.
                } catch {
                    self.fail(instance.stage, error)
                }
            }
            group.addTask { await self.stopSignal.wait() }
            group.addTask { await instance.retire.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    private func runTransform(_ transform: any Transform, stage: PlannedStage, channel: any StageInputBuffer,
                              ports: [String: OutputPort], metrics stageMetrics: StageMetrics) async {
        var transform = transform
        let defaultPort = ports[""]!
        let namedPorts = Dictionary(uniqueKeysWithValues: stage.namedOutputs.map { ($0, ports[$0]!) })

        // What a transform makes of a batch carries the batch's acknowledgement token on.
        func deliver(_ output: consuming TransformOutput, of received: Int = 0, acknowledgement: Acknowledgement? = nil) async {
            stageMetrics.addDiscarded(output.discarded)
            stageMetrics.addOut(output.events.count)
            let named = output.named
            var events = (consume output).events
            Self.detachSparse(&events, of: received)
            // Handed on without a copy kept here, so the next stage may own the events outright.
            await defaultPort.deliver(EventBatch(consume events, acknowledgement: acknowledgement))
            for (name, var events) in named {
                guard let port = namedPorts[name], !port.edges.isEmpty else {
                    // Nobody consumes this output (validate warned): not silent, counted as dropped.
                    stageMetrics.addDropped(events.count)
                    continue
                }
                stageMetrics.addOut(events.count)
                Self.detachSparse(&events, of: received)
                await port.deliver(EventBatch(consume events, acknowledgement: acknowledgement))
            }
        }

        do {
            while let batch = await channel.receive() {
                stageMetrics.addIn(batch.count)
                let received = batch.count
                let acknowledgement = batch.acknowledgement
                var output = TransformOutput()
                do {
                    // Handed over, not lent: the transform may own the events outright.
                    try await transform.process(consume batch, into: &output)
                } catch {
                    acknowledgement?.markFailed()
                    acknowledgement?.release()
                    throw error
                }
                await deliver(consume output, of: received, acknowledgement: acknowledgement)
                acknowledgement?.release()
            }
            var output = TransformOutput()
            try await transform.finish(into: &output)
            await deliver(output)
        } catch {
            stageMetrics.addDropped(channel.consumerFailed())
            fail(stage, error)
        }
    }

    /// A transform that keeps fewer than 1 in ``sparseFraction`` of a batch's events (a filter for
    /// rare errors) passes on events whose text would each keep a whole shared buffer alive:
    /// 2,000 of them waiting for a slow sink held 2,000 read chunks of 1 MiB. Their text is
    /// copied out instead, which costs at most 1/32 of the batch's bytes.
    static let sparseFraction = 32

    private static func detachSparse(_ events: inout [Event], of received: Int) {
        guard !events.isEmpty, events.count * sparseFraction < received else { return }
        for index in events.indices { events[index].detachText() }
    }

    private func runSink(_ sink: any Sink, stage: PlannedStage, channel: any StageInputBuffer, metrics: StageMetrics) async {
        let input = SinkInput(channel: channel, metrics: metrics)
        do {
            try await sink.run(input: input)
            // A sink returns once everything it received is durable.
            input.receipt().acknowledge()
        } catch {
            input.receipt().fail()
            metrics.addDropped(channel.consumerFailed())
            fail(stage, error)
        }
    }

    private func logSummary() {
        let (plan, metrics) = runtime.withLock { ($0.plan, $0.metrics) }
        for stage in plan.stages {
            guard let stageMetrics = metrics[stage.id] else { continue }
            var metadata: Logger.Metadata = [
                "stage": "\(stage.id)", "in": "\(stageMetrics.eventsIn)", "out": "\(stageMetrics.eventsOut)",
            ]
            if stageMetrics.discarded > 0 { metadata["discarded"] = "\(stageMetrics.discarded)" }
            if stageMetrics.dropped > 0 { metadata["dropped"] = "\(stageMetrics.dropped)" }
            if stageMetrics.errors > 0 { metadata["errors"] = "\(stageMetrics.errors)" }
            if stageMetrics.dropped > 0 || stageMetrics.errors > 0 {
                logger.warning("stage summary", metadata: metadata)
            } else {
                logger.info("stage summary", metadata: metadata)
            }
        }
    }
}
