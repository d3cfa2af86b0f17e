/// A made stage of any kind, as the runtime holds it.
public enum AnyStage: Sendable {
    case source(any Source)
    case transform(any Transform)
    case sink(any Sink)
}

extension AnyStage {
    /// The stage, when it reports its own health.
    var healthReporter: (any HealthReporting)? {
        switch self {
        case .source(let source): source as? any HealthReporting
        case .transform(let transform): transform as? any HealthReporting
        case .sink(let sink): sink as? any HealthReporting
        }
    }
}
