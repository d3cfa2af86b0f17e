import Logging
import SwitchyardKit

/// Every `interval`, one `info` line with the events/s that came out of each source and into
/// each sink since the previous line: a long run shows its progress in the log.
struct ProgressReporter {
    let pipeline: Pipeline
    let interval: Duration
    let logger: Logger

    /// Logs until cancelled.
    func run() async {
        var previous = counts(pipeline.plan.stages)
        var last = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            // Read each time: a reload may have added or removed stages.
            let watched = pipeline.plan.stages.filter { $0.kind != .transform }
            let now = ContinuousClock.now
            let current = counts(watched)
            let seconds = max(0.001, Double((now - last).components.seconds) + Double((now - last).components.attoseconds) / 1e18)
            var metadata: Logger.Metadata = [:]
            for stage in watched {
                let rate = Double(current[stage.id, default: 0] - previous[stage.id, default: 0]) / seconds
                let direction = stage.kind == .source ? "out" : "in"
                metadata["\(stage.id).\(direction)_per_s"] = "\(Int(rate.rounded()))"
                metadata["\(stage.id).\(direction)"] = "\(current[stage.id, default: 0])"
            }
            logger.info("progress", metadata: metadata)
            previous = current
            last = now
        }
    }

    /// Events out of each source, into each sink.
    private func counts(_ stages: [PlannedStage]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for stage in stages {
            guard stage.kind != .transform, let metrics = pipeline.metrics[stage.id] else { continue }
            counts[stage.id] = stage.kind == .source ? metrics.eventsOut : metrics.eventsIn
        }
        return counts
    }
}
