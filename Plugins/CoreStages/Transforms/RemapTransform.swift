import SwitchyardKit

/// Reshapes events with a program: assignments, `del()`, `if`/`else`, `abort`.
public struct RemapTransform: Transform {
    public struct Configuration: StageConfiguration, DropOnErrorConfiguration {
        @Option("Statements, one per line or separated by ';'. `abort` discards the event.")
        var source: RemapProgram
        @Option(dropOnErrorHelp) public var drop_on_error = true

        public init() {}
    }

    public static let typeName = "remap"
    public static let summary = "Reshapes events with a program: `.path = expr`, `del(.path)`, `if`/`else`, `abort`."
    public static let example = """
        type: remap
        inputs: [sensors]
        source: |
          .pipeline = "w2"
          .timestamp = del(.time_fired)
          del(.data.new_state.attributes)
        """

    private let configuration: Configuration
    private let errors: ErrorsOutput

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
    }

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) throws {
        let program = configuration.source  // read once: the option's getter copies the program
        // Owned outright (the batch is handed over): an event that owns its bytes is edited in place.
        var events = (consume batch).events
        output.events.reserveCapacity(events.count)
        for index in events.indices {
            // Field assignments and deletions edit the event's JSON text; anything else uses the tree.
            if program.runAsEdits(inPlace: &events[index]) {
                output.emit(events[index])
                continue
            }
            let event = events[index]
            var changed = event
            do {
                // Runs on a copy, so a failure part-way leaves the original event for the errors output.
                if try program.run(on: &changed.value) {
                    output.emit(changed)
                } else {
                    output.discarded += 1
                }
            } catch {
                errors.fail(event, "\(error)", into: &output)
            }
        }
    }
}
