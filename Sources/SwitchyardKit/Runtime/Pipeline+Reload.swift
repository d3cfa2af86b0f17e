import Logging
import Synchronization

extension Pipeline {
    /// Applies `newPlan` to the running pipeline without stopping it.
    ///
    /// Unchanged stages keep running; a stage whose type, options or buffer changed is
    /// replaced: the old instance stops taking input (a source stops, a transform or sink
    /// hands its input buffer over), finishes what it holds, and the new instance carries
    /// on from the same buffer, so nothing is lost or delivered twice. Removed stages
    /// drain and end; new ones start. Inputs are rewired; a consumer no longer fed by a
    /// producer counts it out only after the producer's deliveries in flight arrived.
    /// On any error nothing changes.
    public func reload(to newPlan: PipelinePlan) async throws(ReloadError) -> ReloadSummary {
        guard runtime.withLock({ $0.isWired }) else { throw .refused("the pipeline has not started yet") }
        return try await apply(newPlan)
    }

    /// Makes, wires and starts what `newPlan` needs beside what runs now (at first, nothing).
    func apply(_ newPlan: PipelinePlan) async throws(ReloadError) -> ReloadSummary {
        let change = try runtime.withLock { runtime throws(ReloadError) -> GraphChange in
            if runtime.hasEnded { throw .refused("the pipeline has ended") }
            if runtime.isWired, stopSignal.isFired { throw .refused("the pipeline is stopping") }
            if runtime.isReloading { throw .refused("another reload is under way") }
            if runtime.isWired, newPlan.dataDirectory != runtime.plan.dataDirectory {
                throw .refused("data_dir changed; a new data_dir takes a restart")
            }
            var change = try plan(newPlan, from: runtime)
            for replaced in change.replacedInstances {
                let stillRunning = replaced.markReplaced()
                precondition(stillRunning, "an instance ended while the runtime was locked")
            }
            change.detachments = rewire(change, for: newPlan)
            runtime.plan = newPlan
            runtime.slots = change.slots
            runtime.metrics = change.metrics
            runtime.runningTasks += change.launches.count
            runtime.isReloading = true
            runtime.isWired = true
            return change
        }
        for launch in change.launches {
            let slot = change.slots[launch.instance.stage.id]!
            self.launch(job(for: launch.instance, slot: slot, after: launch.predecessor,
                            reusesChannel: launch.reusesChannel, finishingFirst: launch.retiredPorts))
        }
        change.handOvers.forEach { $0.handOver() }
        change.retired.forEach { $0.retire.fire() }
        await withTaskGroup(of: Void.self) { group in
            for (port, detachment) in change.detachments {
                group.addTask { await port.detach(detachment) }
            }
        }
        // The holds kept each new buffer open while its producers were wired.
        change.heldBuffers.forEach { $0.producerFinished() }
        let ended = runtime.withLock { runtime -> Bool in
            runtime.isReloading = false
            return endIfIdle(&runtime)
        }
        if ended { endJobs() }
        return change.summary
    }

    /// Decides, stage by stage, what to keep, replace, start and stop; makes the new instances
    /// and buffers. Changes nothing that runs.
    private func plan(_ newPlan: PipelinePlan, from runtime: Runtime) throws(ReloadError) -> GraphChange {
        var change = GraphChange(metrics: runtime.metrics)
        var removedSlots = runtime.slots
        var failures: [PipelineFailure.StageFailure] = []
        for stage in newPlan.stages {
            let metrics = change.metrics[stage.id] ?? makeMetrics(for: stage)
            change.metrics[stage.id] = metrics
            let old = runtime.slots[stage.id].flatMap { $0.stage.kind == stage.kind ? $0 : nil }
            if old != nil { removedSlots[stage.id] = nil }
            let oldIsRunning = old.map { !$0.instance.hasEnded } ?? false
            if var kept = old, kept.stage.definition == stage.definition, oldIsRunning || stage.kind == .source {
                kept.stage = stage
                change.slots[stage.id] = kept
                change.summary.unchanged.append(stage.id)
                continue
            }
            do {
                let made = try stage.make(context(for: stage, metrics: metrics, dataDirectory: newPlan.dataDirectory))
                let instance = StageInstance(stage: stage, made: made)
                if let old, oldIsRunning {
                    try replace(old, with: instance, into: &change)
                } else {
                    try start(instance, into: &change, dataDirectory: newPlan.dataDirectory)
                    if old == nil { change.summary.added.append(stage.id) } else { change.summary.restarted.append(stage.id) }
                }
            } catch {
                failures.append(.init(stageID: stage.id, message: "\(error)"))
            }
        }
        if !failures.isEmpty { throw .stages(failures) }
        for (id, slot) in removedSlots.sorted(by: { $0.key < $1.key }) {
            change.summary.removed.append(id)
            if slot.stage.kind == .source { change.retired.append(slot.instance) }
        }
        return change
    }

    /// A changed stage: the new instance takes over the old one's ports and, when the buffer
    /// is configured the same, its buffer too.
    private func replace(_ old: StageSlot, with instance: StageInstance, into change: inout GraphChange) throws {
        let stage = instance.stage
        var ports: [String: OutputPort] = [:]
        if stage.kind != .sink {
            for key in [""] + stage.namedOutputs { ports[key] = old.ports[key] ?? OutputPort(logger: logger) }
        }
        let retiredPorts = old.ports.filter { ports[$0.key] == nil }.map(\.value)
        var channel = old.channel
        var reusesChannel = false
        switch stage.kind {
        case .source:
            change.retired.append(old.instance)
        case .transform, .sink:
            if stage.buffer == old.stage.buffer {
                reusesChannel = true
                change.handOvers.append(old.channel!)
            } else if stage.buffer.type == .disk || old.stage.buffer.type == .disk {
                throw ReloadError.refused("its buffer changed to or from type: disk; that takes a restart")
            } else {
                let fresh = EventChannel(capacity: stage.buffer.maxEvents, producers: 1, maxBytes: Int(stage.buffer.maxBytes))
                change.heldBuffers.append(fresh)
                channel = fresh
            }
        }
        change.replacedInstances.append(old.instance)
        change.slots[stage.id] = StageSlot(stage: stage, instance: instance, channel: channel, ports: ports)
        change.launches.append(.init(instance: instance, predecessor: old.instance, reusesChannel: reusesChannel,
                                     retiredPorts: retiredPorts))
        change.summary.changed.append(stage.id)
    }

    /// A new stage (or one started again): its own buffer and ports.
    private func start(_ instance: StageInstance, into change: inout GraphChange, dataDirectory: String?) throws {
        let stage = instance.stage
        var channel: (any StageInputBuffer)?
        switch (stage.kind, stage.buffer.type) {
        case (.source, _): break
        case (_, .memory):
            channel = EventChannel(capacity: stage.buffer.maxEvents, producers: 1, maxBytes: Int(stage.buffer.maxBytes))
        case (_, .disk):
            let directory = (dataDirectory ?? ".") + "/\(stage.id)/buffer"
            var bufferLogger = logger
            bufferLogger[metadataKey: "stage"] = "\(stage.id)"
            do {
                channel = try DiskBuffer(directory: directory, maxBytes: stage.buffer.maxBytes, whenFull: stage.buffer.whenFull,
                                         producers: 1, logger: bufferLogger)
            } catch {
                throw ReloadError.refused("cannot open its disk buffer: \(error)")
            }
        }
        if let channel { change.heldBuffers.append(channel) }
        var ports: [String: OutputPort] = [:]
        if stage.kind != .sink {
            for key in [""] + stage.namedOutputs { ports[key] = OutputPort(logger: logger) }
        }
        change.slots[stage.id] = StageSlot(stage: stage, instance: instance, channel: channel, ports: ports)
        change.launches.append(.init(instance: instance, predecessor: nil, reusesChannel: false, retiredPorts: []))
    }

    /// Points every port at the buffers of the consumers that `newPlan` gives it.
    private func rewire(_ change: GraphChange, for newPlan: PipelinePlan) -> [(OutputPort, OutputPort.Detachment)] {
        let slots = change.slots
        var wanted: [ObjectIdentifier: [OutputPort.Edge]] = [:]
        for consumer in newPlan.stages where consumer.kind != .source {
            let slot = slots[consumer.id]!
            for input in consumer.inputs {
                guard let port = slots[input.stageID]?.port(input.output) else { continue }
                let edge = OutputPort.Edge(consumerID: consumer.id, channel: slot.channel!, whenFull: consumer.buffer.whenFull,
                                           consumerMetrics: change.metrics[consumer.id]!)
                if wanted[ObjectIdentifier(port), default: []].contains(where: { $0.channel === edge.channel }) { continue }
                wanted[ObjectIdentifier(port), default: []].append(edge)
            }
        }
        var detachments: [(OutputPort, OutputPort.Detachment)] = []
        for slot in slots.values {
            for port in slot.ports.values {
                detachments.append((port, port.rewire(to: wanted[ObjectIdentifier(port)] ?? [])))
            }
        }
        return detachments
    }
}

/// Everything a reload decided, made ready before anything running is touched.
struct GraphChange: Sendable {
    /// A new instance to start, after the one it replaces (if any) has ended.
    struct Launch: Sendable {
        let instance: StageInstance
        let predecessor: StageInstance?
        let reusesChannel: Bool
        /// Ports of outputs the new configuration no longer has: finished when the predecessor ends.
        let retiredPorts: [OutputPort]
    }

    var metrics: [String: StageMetrics]
    var slots: [String: StageSlot] = [:]
    var launches: [Launch] = []
    var replacedInstances: [StageInstance] = []
    var handOvers: [any StageInputBuffer] = []
    var retired: [StageInstance] = []
    var heldBuffers: [any StageInputBuffer] = []
    var detachments: [(OutputPort, OutputPort.Detachment)] = []
    var summary = ReloadSummary()
}
