/// A made stage of any kind, as the runtime holds it.
public enum AnyStage: Sendable {
    case source(any Source)
    case transform(any Transform)
    case sink(any Sink)
}
