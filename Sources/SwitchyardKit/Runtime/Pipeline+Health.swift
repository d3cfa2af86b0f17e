import Synchronization

extension Pipeline {
    /// The pipeline's health now: per-stage counters and details, readiness, and metric samples.
    public func healthReport() -> HealthReport {
        let (plan, slots, metrics, isWired) = runtime.withLock { ($0.plan, $0.slots, $0.metrics, $0.isWired) }
        let failed = Set(failures.withLock { $0.map(\.stageID) })
        var stages: [(id: String, details: JSONObject)] = []
        var samples: [MetricSample] = []
        var ready = isWired
        var degraded = false
        for stage in plan.stages {
            guard let counters = metrics[stage.id] else { continue }
            var details = JSONObject()
            details["kind"] = .string(stage.kind.rawValue)
            details["type"] = .string(stage.typeName)
            details["events_in"] = .int(Int64(counters.eventsIn))
            details["events_out"] = .int(Int64(counters.eventsOut))
            details["events_dropped"] = .int(Int64(counters.dropped))
            details["events_discarded"] = .int(Int64(counters.discarded))
            details["errors"] = .int(Int64(counters.errors))
            if failed.contains(stage.id) { details["failed"] = true }
            let labels = ["stage": stage.id, "kind": stage.kind.rawValue, "type": stage.typeName]
            samples += [
                MetricSample("events_received_total", .counter, help: "Events that came into the stage.", labels: labels, value: Double(counters.eventsIn)),
                MetricSample("events_sent_total", .counter, help: "Events the stage passed on.", labels: labels, value: Double(counters.eventsOut)),
                MetricSample("events_dropped_total", .counter, help: "Events lost at the stage (full buffer, failure, evaluation error).", labels: labels, value: Double(counters.dropped)),
                MetricSample("events_discarded_total", .counter, help: "Events the stage's configuration removed on purpose.", labels: labels, value: Double(counters.discarded)),
                MetricSample("errors_total", .counter, help: "Errors the stage hit.", labels: labels, value: Double(counters.errors)),
            ]
            if let buffer = slots[stage.id]?.channel {
                details["buffer_events"] = .int(Int64(buffer.bufferedEvents))
                details["buffer_capacity"] = .int(Int64(buffer.capacity))
                if let memory = buffer as? EventChannel {
                    details["buffer_type"] = "memory"
                    details["buffer_bytes"] = .int(Int64(memory.bufferedBytes))
                    details["buffer_max_bytes"] = .int(Int64(memory.maxBytes))
                } else if let disk = buffer as? DiskBuffer {
                    details["buffer_type"] = "disk"
                    details["buffer_bytes"] = .int(disk.sizeBytes)
                    details["buffer_max_bytes"] = .int(disk.maxBytes)
                    details["buffer_corrupted_records"] = .int(Int64(disk.corruptedRecords))
                    samples.append(MetricSample("buffer_bytes", .gauge, help: "Bytes of the stage's disk buffer.", labels: labels, value: Double(disk.sizeBytes)))
                    samples.append(MetricSample("buffer_corrupted_records_total", .counter, help: "Torn or corrupted disk-buffer records skipped.", labels: labels, value: Double(disk.corruptedRecords)))
                }
                samples.append(MetricSample("buffer_events", .gauge, help: "Events waiting in the stage's input buffer.", labels: labels, value: Double(buffer.bufferedEvents)))
                samples.append(MetricSample("buffer_capacity_events", .gauge, help: "The size of the stage's input buffer.", labels: labels, value: Double(buffer.capacity)))
            }
            if let reporter = slots[stage.id]?.instance.made.healthReporter {
                for member in reporter.healthDetails().members { details[member.key] = member.value }
                if reporter.isReady == false { ready = false }
                samples += reporter.metricSamples().map { sample in
                    var sample = sample
                    sample.labels.merge(labels) { own, _ in own }
                    return sample
                }
            }
            if counters.dropped > 0 { degraded = true }
            stages.append((stage.id, details))
        }
        let status: HealthReport.Status = !failed.isEmpty ? .unhealthy : (!ready || degraded ? .degraded : .healthy)
        let uptime = ContinuousClock.now - started
        return HealthReport(status: status, uptimeSeconds: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
                            stages: stages, ready: ready, samples: samples)
    }
}
