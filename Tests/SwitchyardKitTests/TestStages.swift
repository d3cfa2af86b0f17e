import SwitchyardKit
import SwitchyardTesting

/// A transform written the way a user would: one type, one register call.
/// Sets `field` to true on every event; copies each event to every named output in `outputs`.
struct TagTransform: Transform {
    struct Configuration: StageConfiguration {
        @Option("The field to set.")
        var field: String
        @Option("Named outputs that get a copy of each event.")
        var outputs: [String] = []
    }

    static let typeName = "tag"
    static let summary = "Marks events (tests)."
    static let example = "type: tag\ninputs: [src]\nfield: seen"

    let configuration: Configuration

    init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
    }

    static func namedOutputs(for configuration: Configuration) -> [String] { configuration.outputs }

    mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        for var event in batch.events {
            event.value[configuration.field] = true
            output.emit(event)
            for name in configuration.outputs { output.emit(event, to: name) }
        }
    }
}

enum TestStages {
    static var registry: StageRegistry {
        var registry = StageRegistry()
        registry.register(TagTransform.self)
        return registry
    }
}
