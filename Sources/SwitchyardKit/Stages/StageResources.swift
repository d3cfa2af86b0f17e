/// Objects the code that runs a pipeline hands to its stages, one per type: what a test
/// harness uses to give its stages their own stores instead of process-wide ones.
///
/// ```swift
/// var resources = StageResources()
/// resources.add(collector)                 // a test's own EventCollector
/// let pipeline = Pipeline(plan: plan, logger: logger, resources: resources)
/// // in a stage: context.resources[EventCollector.self]
/// ```
public struct StageResources: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    /// Adds `value` under its type, replacing any earlier one.
    public mutating func add<T: Sendable>(_ value: T) { values[ObjectIdentifier(T.self)] = value }

    /// The value of type `T`, if one was added.
    public subscript<T: Sendable>(_ type: T.Type) -> T? { values[ObjectIdentifier(type)] as? T }
}
