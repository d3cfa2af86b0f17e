import Logging

/// Runs a pipeline's unit tests: events go straight into stages, through the
/// transforms downstream of them, and what each stage emits (or each sink
/// receives) is checked. Sources and sinks do no I/O here.
public struct PipelineTestRunner {
    /// One failed expectation.
    public struct Failure: Sendable, CustomStringConvertible {
        /// The name of the failing test.
        public var test: String
        /// Where the failing expectation is written.
        public var location: SourceLocation
        /// What failed.
        public var message: String
        public var description: String { "\(location): test '\(test)': \(message)" }

        /// A failed expectation of test `test`, written at `location`.
        public init(test: String, location: SourceLocation, message: String) {
            self.test = test
            self.location = location
            self.message = message
        }
    }

    let plan: PipelinePlan
    let logger: Logger

    /// A runner for the `tests:` of `plan`, logging to `logger`.
    public init(plan: PipelinePlan, logger: Logger) {
        self.plan = plan
        self.logger = logger
    }

    /// Runs one test; returns its failures (empty: it passed).
    public func run(_ test: PipelineTestCase) async throws -> [Failure] {
        var transforms: [String: any Transform] = [:]
        for stage in plan.stages where stage.kind == .transform {
            let context = StageContext(id: stage.id, typeName: stage.typeName, logger: logger)
            if case .transform(let transform) = try stage.make(context) { transforms[stage.id] = transform }
        }
        var emitted: [String: [Event]] = [:]

        func deliver(_ events: [Event], to stageID: String) async throws {
            guard !events.isEmpty, let stage = plan.stage(stageID) else { return }
            if stage.kind == .sink {
                emitted[stageID, default: []] += events
                return
            }
            var output = TransformOutput()
            try await transforms[stageID]?.process(EventBatch(events), into: &output)
            try await forward(output, from: stageID)
        }

        func forward(_ output: TransformOutput, from stageID: String) async throws {
            emitted[stageID, default: []] += output.events
            try await send(output.events, from: InputReference(parsing: stageID, at: plan.stages[0].location))
            for (name, events) in output.named.sorted(by: { $0.key < $1.key }) {
                emitted["\(stageID).\(name)", default: []] += events
                try await send(events, from: InputReference(parsing: "\(stageID).\(name)", at: plan.stages[0].location))
            }
        }

        func send(_ events: [Event], from producer: InputReference) async throws {
            for consumer in plan.stages where consumer.inputs.contains(where: { $0.description == producer.description }) {
                try await deliver(events, to: consumer.id)
            }
        }

        for input in test.inputs {
            try await deliver([Event(value: input.event)], to: input.insertAt)
        }
        for stage in plan.stages where stage.kind == .transform {
            var output = TransformOutput()
            try await transforms[stage.id]?.finish(into: &output)
            try await forward(output, from: stage.id)
        }

        var failures: [Failure] = []
        for expected in test.outputs {
            let events = emitted[expected.extractFrom] ?? []
            if events.isEmpty {
                failures.append(Failure(test: test.name, location: expected.location, message: "'\(expected.extractFrom)' emitted no event"))
                continue
            }
            for event in events {
                for condition in expected.conditions {
                    let verdict: String?
                    do {
                        verdict = try condition.test(event.value) ? nil : "is false"
                    } catch {
                        verdict = "failed: \(error)"
                    }
                    if let verdict {
                        failures.append(Failure(test: test.name, location: expected.location,
                            message: "from '\(expected.extractFrom)': condition \(condition) \(verdict) for event \(JSONWriter.string(event.value))"))
                    }
                }
            }
        }
        for silent in test.noOutputsFrom {
            if let events = emitted[silent], !events.isEmpty {
                failures.append(Failure(test: test.name, location: test.location,
                    message: "'\(silent)' should emit nothing but emitted \(events.count) event(s), first: \(JSONWriter.string(events[0].value))"))
            }
        }
        return failures
    }
}
