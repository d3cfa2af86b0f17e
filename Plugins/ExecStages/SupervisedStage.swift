import SwitchyardKit

/// An exec stage: its health is its program's (restarts, pid, how the last run ended).
protocol SupervisedStage: HealthReporting {
    var program: ProgramSupervisor { get }
}

extension SupervisedStage {
    public func healthDetails() -> JSONObject { program.healthDetails() }
    public var isReady: Bool? { nil }
    public func metricSamples() -> [MetricSample] { program.metricSamples() }
}
