import SwitchyardKit

/// Keeps the events for which a condition holds.
public struct FilterTransform: Transform {
    public struct Configuration: StageConfiguration, DropOnErrorConfiguration {
        @Option("Events for which this is true pass; false ones are discarded.")
        var condition: Condition
        @Option(dropOnErrorHelp) public var drop_on_error = true

        public init() {}
    }

    public static let typeName = "filter"
    public static let summary = "Keeps the events for which a condition holds; the rest are discarded (counted)."
    public static let example = """
        type: filter
        inputs: [home]
        condition: 'starts_with(.data.entity_id, "sensor.")'
        """

    private let configuration: Configuration
    private let errors: ErrorsOutput

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        let condition = configuration.condition  // read once: the option's getter copies it
        output.events.reserveCapacity(batch.count)
        for event in batch.events {
            do {
                // Reads only the fields the condition names; the event stays unparsed for the next stage.
                if try condition.test(event) {
                    output.emit(event)
                } else {
                    output.discarded += 1
                }
            } catch {
                errors.fail(event, "\(error)", into: &output)
            }
        }
    }
}
