import CoreMetrics
import SwitchyardKit

/// Sends each event to every named output whose condition holds, or to `_unmatched`.
public struct RouteTransform: Transform {
    public struct Configuration: StageConfiguration, DropOnErrorConfiguration {
        @Option("Each route is an output `<id>.<name>`; an event goes to every route whose condition holds.")
        var routes: [String: Condition]
        @Option(dropOnErrorHelp) public var drop_on_error = true

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if routes.isEmpty { problems.append(OptionProblem(option: "routes", "needs at least one route")) }
            for name in routes.keys where name == RouteTransform.unmatched || name == ErrorsOutput.name {
                problems.append(OptionProblem(option: "routes", "'\(name)' is a reserved output name"))
            }
            for name in routes.keys where !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                problems.append(OptionProblem(option: "routes", "route name '\(name)' may hold only letters, digits, '_' and '-'"))
            }
            return problems
        }
    }

    /// The output for events no route matched.
    public static let unmatched = "_unmatched"

    public static let typeName = "route"
    public static let summary = "Sends each event to every route whose condition holds (outputs <id>.<route>), else to <id>._unmatched."
    public static let example = """
        type: route
        inputs: [home]
        routes:
          sensors: 'starts_with(.data.entity_id, "sensor.")'
          lights: 'starts_with(.data.entity_id, "light.")'
        """

    /// The route names, sorted, and their conditions in the same order.
    private let names: [String]
    private let conditions: [Condition]
    private let errors: ErrorsOutput
    /// Events sent to each route, then to `_unmatched` (`switchyard_route_events_total{route=…}`).
    private let routed: [Counter]

    public init(configuration: Configuration, context: StageContext) {
        self.names = configuration.routes.keys.sorted()
        self.conditions = names.map { configuration.routes[$0]! }
        self.errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
        self.routed = (names + [Self.unmatched]).map {
            context.counter("switchyard_route_events_total", dimensions: [("route", $0)])
        }
    }

    public static func namedOutputs(for configuration: Configuration) -> [String] {
        configuration.routes.keys.sorted() + [unmatched] + ErrorsOutput.outputs(dropOnError: configuration.drop_on_error)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        // Each route's events, then `_unmatched`'s, gathered here and handed over once per batch.
        var routedEvents = [[Event]](repeating: [], count: conditions.count + 1)
        var matched: [Bool] = Array(repeating: false, count: conditions.count)
        for event in batch.events {
            // The conditions read the event's fields from its text, sharing their lookups.
            var reader = EventReader(event)
            do {
                // Every condition is evaluated before the event goes anywhere: one that fails sends
                // the event to errors only.
                var any = false
                for index in conditions.indices {
                    matched[index] = try conditions[index].test(&reader)
                    any = any || matched[index]
                }
                if !any { routedEvents[conditions.count].append(event) }
                for index in conditions.indices where matched[index] { routedEvents[index].append(event) }
            } catch {
                errors.fail(event, "\(error)", into: &output)
            }
        }
        for (index, events) in routedEvents.enumerated() where !events.isEmpty {
            output.named[index < names.count ? names[index] : Self.unmatched, default: []] += events
            routed[index].increment(by: events.count)
        }
    }
}
