/// The checks that need the whole graph: unique ids, inputs that exist, no
/// cycles, and outputs that somebody consumes.
struct GraphValidator {
    let stages: [PlannedStage]
    let file: String

    struct Result {
        var errors: [Diagnostic] = []
        var warnings: [Diagnostic] = []
    }

    func validate() -> Result {
        var result = Result()
        var byID: [String: PlannedStage] = [:]
        for stage in stages {
            if let first = byID[stage.id] {
                result.errors.append(Diagnostic(at: stage.location,
                    "duplicate id '\(stage.id)': already declared as a \(first.kind.rawValue) at \(first.location); ids are unique across sources, transforms and sinks"))
            } else {
                byID[stage.id] = stage
            }
        }
        if !stages.contains(where: { $0.kind == .source }) {
            result.errors.append(Diagnostic(at: SourceLocation(file: file, line: 1, column: 1),
                                            "the pipeline has no sources; add one under `sources:`"))
        }

        let producers = stages.filter { $0.kind != .sink }
        let referenceNames = producers.flatMap { stage in [stage.id] + stage.namedOutputs.map { "\(stage.id).\($0)" } }
        var consumed: Set<String> = []
        var consumedOutputs: Set<String> = []
        for stage in stages {
            var seen: Set<InputReference> = []
            for input in stage.inputs {
                let path = "\(stage.kind.section).\(stage.id)"
                if seen.contains(where: { $0.description == input.description }) {
                    result.errors.append(Diagnostic(at: input.location, "\(path): input '\(input)' is listed twice"))
                    continue
                }
                seen.insert(input)
                guard let producer = byID[input.stageID] else {
                    var message = "\(path): unknown input '\(input)'"
                    if let suggestion = Suggestion.closest(to: input.description, in: referenceNames) {
                        message += "; did you mean '\(suggestion)'?"
                    } else if !referenceNames.isEmpty {
                        message += "; stages that can be inputs: " + referenceNames.joined(separator: ", ")
                    }
                    result.errors.append(Diagnostic(at: input.location, message))
                    continue
                }
                if producer.kind == .sink {
                    result.errors.append(Diagnostic(at: input.location,
                        "\(path): input '\(input)' is a sink; sinks have no outputs"))
                    continue
                }
                if producer.id == stage.id {
                    result.errors.append(Diagnostic(at: input.location, "\(path): a stage cannot be its own input (cycle: \(stage.id) -> \(stage.id))"))
                    continue
                }
                if let output = input.output, producer.outputsKnown, !producer.namedOutputs.contains(output) {
                    var message = "\(path): stage '\(producer.id)' has no output '\(output)'"
                    message += producer.namedOutputs.isEmpty
                        ? "; it has only its default output, written '\(producer.id)'"
                        : "; its outputs: " + producer.namedOutputs.map { "\(producer.id).\($0)" }.joined(separator: ", ")
                    result.errors.append(Diagnostic(at: input.location, message))
                    continue
                }
                consumed.insert(producer.id)
                if let output = input.output { consumedOutputs.insert("\(producer.id).\(output)") }
            }
        }
        result.errors += cycleDiagnostics(byID: byID)
        for stage in producers where !consumed.contains(stage.id) && byID[stage.id]?.location == stage.location {
            result.warnings.append(Diagnostic(.warning, at: stage.location,
                "\(stage.kind.section).\(stage.id): no stage consumes this \(stage.kind.rawValue)'s output; its events go nowhere"))
        }
        for stage in producers where consumed.contains(stage.id) && stage.outputsKnown {
            for name in stage.namedOutputs where !consumedOutputs.contains("\(stage.id).\(name)") {
                result.warnings.append(Diagnostic(.warning, at: stage.location,
                    "\(stage.kind.section).\(stage.id): no stage consumes output '\(stage.id).\(name)'; events sent there are dropped (counted)"))
            }
        }
        return result
    }

    /// One error per cycle among transforms, naming the stages on it.
    private func cycleDiagnostics(byID: [String: PlannedStage]) -> [Diagnostic] {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        var diagnostics: [Diagnostic] = []

        func visit(_ id: String) {
            marks[id] = .visiting
            stack.append(id)
            for input in byID[id]?.inputs ?? [] where input.stageID != id {
                guard let producer = byID[input.stageID], producer.kind == .transform else { continue }
                switch marks[producer.id] {
                case .visiting:
                    let start = stack.lastIndex(of: producer.id)!
                    // The stack runs against the data flow; reversed, it follows it.
                    let cycle = Array(stack[start...].reversed())
                    // Report the cycle at its first stage in the file.
                    let first = cycle.min { byID[$0]!.location < byID[$1]!.location }!
                    let rotated = Self.rotate(cycle, toStartAt: first)
                    diagnostics.append(Diagnostic(at: byID[first]!.location,
                        "transforms.\(first): cycle in the graph: " + (rotated + [first]).joined(separator: " -> ")))
                case .done: continue
                case nil: visit(producer.id)
                }
            }
            stack.removeLast()
            marks[id] = .done
        }

        for stage in stages where stage.kind == .transform && marks[stage.id] == nil {
            visit(stage.id)
        }
        return diagnostics
    }

    private static func rotate(_ cycle: [String], toStartAt first: String) -> [String] {
        guard let index = cycle.firstIndex(of: first) else { return cycle }
        return Array(cycle[index...] + cycle[..<index])
    }
}
