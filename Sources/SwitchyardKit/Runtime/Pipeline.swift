import Logging
import Synchronization

/// A running pipeline: one structured task tree with a child task per stage.
///
/// ``run()`` returns when the graph has drained: every source ended (or was
/// stopped by ``stop()``), every transform passed on what it had, every sink
/// flushed. It throws ``PipelineFailure`` when any stage failed; a failure stops
/// the sources so the rest of the graph still drains.
public final class Pipeline: Sendable {
    /// The stages' counters, by id.
    public let metrics: [String: StageMetrics]
    let plan: PipelinePlan
    private let logger: Logger
    private let resources: StageResources
    private let stopSignal = StopSignal()
    let failures = Mutex<[PipelineFailure.StageFailure]>([])
    let reporters = Mutex<[String: any HealthReporting]>([:])
    let buffers = Mutex<[String: any StageInputBuffer]>([:])
    /// Set once the stages are made and wired; before that nothing is ready.
    let isWired = Mutex(false)
    let started = ContinuousClock.now

    /// A pipeline for `plan`; every stage's context carries `resources`.
    public init(plan: PipelinePlan, logger: Logger, resources: StageResources = StageResources()) {
        self.plan = plan
        self.logger = logger
        self.resources = resources
        var metrics: [String: StageMetrics] = [:]
        for stage in plan.stages { metrics[stage.id] = StageMetrics() }
        self.metrics = metrics
    }

    /// Asks the sources to stop; the graph then drains. Safe to call from anywhere, more than once.
    public func stop() {
        if stopSignal.fire() { logger.info("stopping: sources stop, the graph drains") }
    }

    /// Runs the pipeline until it has drained.
    public func run() async throws {
        let wiring = try wire()
        await withTaskGroup(of: Void.self) { group in
            for (stage, made) in wiring.stages {
                switch made {
                case .source: continue
                case .transform(let transform):
                    group.addTask { await self.runTransform(transform, stage: stage, wiring: wiring) }
                case .sink(let sink):
                    group.addTask { await self.runSink(sink, stage: stage, wiring: wiring) }
                }
            }
            group.addTask { await self.runSources(wiring: wiring) }
        }
        let failed = failures.withLock { $0 }
        logSummary()
        if !failed.isEmpty { throw PipelineFailure(failures: failed) }
    }

    private func context(for stage: PlannedStage) -> StageContext {
        let stopSignal = self.stopSignal
        return StageContext(id: stage.id, typeName: stage.typeName, logger: logger, metrics: metrics[stage.id]!,
                            dataDirectory: plan.dataDirectory.map { "\($0)/\(stage.id)" }, resources: resources,
                            stopRequested: { stopSignal.isFired })
    }

    /// Makes every stage and connects outputs to input buffers.
    private func wire() throws -> Wiring {
        var made: [(PlannedStage, AnyStage)] = []
        var madeFailures: [PipelineFailure.StageFailure] = []
        for stage in plan.stages {
            do {
                made.append((stage, try stage.make(context(for: stage))))
            } catch {
                madeFailures.append(.init(stageID: stage.id, message: "\(error)"))
            }
        }
        if !madeFailures.isEmpty { throw PipelineFailure(failures: madeFailures) }
        reporters.withLock { reporters in
            for (stage, anyStage) in made {
                if let reporter = anyStage.healthReporter { reporters[stage.id] = reporter }
            }
        }

        var channels: [String: any StageInputBuffer] = [:]
        for stage in plan.stages where stage.kind != .source {
            switch stage.buffer.type {
            case .memory:
                channels[stage.id] = EventChannel(capacity: stage.buffer.maxEvents, producers: stage.inputs.count)
            case .disk:
                let directory = (plan.dataDirectory ?? ".") + "/\(stage.id)/buffer"
                do {
                    channels[stage.id] = try DiskBuffer(directory: directory, maxBytes: stage.buffer.maxBytes,
                                                        whenFull: stage.buffer.whenFull, producers: stage.inputs.count,
                                                        logger: context(for: stage).logger)
                } catch {
                    throw PipelineFailure(failures: [.init(stageID: stage.id, message: "cannot open its disk buffer: \(error)")])
                }
            }
        }
        var ports: [String: OutputPort] = [:]
        for stage in plan.stages where stage.kind != .sink {
            for output in [nil] + stage.namedOutputs.map(Optional.some) {
                let edges = plan.stages.flatMap { consumer in
                    consumer.inputs.filter { $0.stageID == stage.id && $0.output == output }.map { _ in
                        OutputPort.Edge(consumerID: consumer.id, channel: channels[consumer.id]!,
                                        whenFull: consumer.buffer.whenFull, consumerMetrics: metrics[consumer.id]!)
                    }
                }
                let key = output.map { "\(stage.id).\($0)" } ?? stage.id
                ports[key] = OutputPort(edges: edges, logger: context(for: stage).logger)
            }
        }
        buffers.withLock { $0 = channels }
        isWired.withLock { $0 = true }
        return Wiring(stages: made, channels: channels, ports: ports)
    }

    private func fail(_ stage: PlannedStage, _ error: any Error) {
        context(for: stage).logger.error("stage failed: \(error)")
        failures.withLock { $0.append(.init(stageID: stage.id, message: "\(error)")) }
        stop()
    }

    private func runSources(wiring: Wiring) async {
        let sources = wiring.stages.compactMap { stage, made -> (PlannedStage, any Source)? in
            if case .source(let source) = made { return (stage, source) }
            return nil
        }
        await withTaskGroup(of: Bool.self) { group in
            for (stage, source) in sources {
                group.addTask {
                    let port = wiring.ports[stage.id]!
                    do {
                        try await source.run(output: SourceOutput(port: port, metrics: self.metrics[stage.id]!))
                    } catch is CancellationError where self.stopSignal.isFired {
                        // Stopped on request: a normal end.
                    } catch {
                        self.fail(stage, error)
                    }
                    port.finish()
                    return true
                }
            }
            group.addTask {
                await self.stopSignal.wait()
                return false
            }
            var running = sources.count
            for await isSource in group {
                if isSource {
                    running -= 1
                    if running == 0 { group.cancelAll() }
                } else {
                    group.cancelAll()
                }
            }
        }
    }

    private func runTransform(_ transform: any Transform, stage: PlannedStage, wiring: Wiring) async {
        var transform = transform
        let channel = wiring.channels[stage.id]!
        let stageMetrics = metrics[stage.id]!
        let defaultPort = wiring.ports[stage.id]!
        let namedPorts = Dictionary(uniqueKeysWithValues: stage.namedOutputs.map { ($0, wiring.ports["\(stage.id).\($0)"]!) })

        // What a transform makes of a batch carries the batch's acknowledgement token on.
        func deliver(_ output: TransformOutput, acknowledgement: Acknowledgement? = nil) async {
            stageMetrics.addDiscarded(output.discarded)
            stageMetrics.addOut(output.events.count)
            await defaultPort.deliver(EventBatch(output.events, acknowledgement: acknowledgement))
            for (name, events) in output.named {
                guard let port = namedPorts[name], !port.edges.isEmpty else {
                    // Nobody consumes this output (validate warned): not silent, counted as dropped.
                    stageMetrics.addDropped(events.count)
                    continue
                }
                stageMetrics.addOut(events.count)
                await port.deliver(EventBatch(events, acknowledgement: acknowledgement))
            }
        }

        do {
            while let batch = await channel.receive() {
                stageMetrics.addIn(batch.count)
                var output = TransformOutput()
                do {
                    try await transform.process(batch, into: &output)
                } catch {
                    batch.acknowledgement?.markFailed()
                    batch.acknowledgement?.release()
                    throw error
                }
                await deliver(output, acknowledgement: batch.acknowledgement)
                batch.acknowledgement?.release()
            }
            var output = TransformOutput()
            try await transform.finish(into: &output)
            await deliver(output)
        } catch {
            stageMetrics.addDropped(channel.consumerFailed())
            fail(stage, error)
        }
        defaultPort.finish()
        namedPorts.values.forEach { $0.finish() }
    }

    private func runSink(_ sink: any Sink, stage: PlannedStage, wiring: Wiring) async {
        let channel = wiring.channels[stage.id]!
        let input = SinkInput(channel: channel, metrics: metrics[stage.id]!)
        do {
            try await sink.run(input: input)
            // A sink returns once everything it received is durable.
            input.receipt().acknowledge()
        } catch {
            input.receipt().fail()
            metrics[stage.id]!.addDropped(channel.consumerFailed())
            fail(stage, error)
        }
    }

    private func logSummary() {
        for stage in plan.stages {
            let stageMetrics = metrics[stage.id]!
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

/// The made stages and their connections.
private struct Wiring: Sendable {
    let stages: [(PlannedStage, AnyStage)]
    let channels: [String: any StageInputBuffer]
    let ports: [String: OutputPort]
}
