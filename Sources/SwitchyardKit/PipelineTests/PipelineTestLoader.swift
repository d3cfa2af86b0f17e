/// Reads a `tests:` list and checks it against the pipeline's stages.
struct PipelineTestLoader {
    let plan: [PlannedStage]

    func load(_ node: ConfigNode, diagnostics: inout [Diagnostic]) -> [PipelineTestCase] {
        guard let entries = node.sequence else {
            if case .null = node.content { return [] }
            diagnostics.append(Diagnostic(at: node.location, "tests: expected a list of tests, found \(node.kindName)"))
            return []
        }
        var tests: [PipelineTestCase] = []
        for (index, entry) in entries.enumerated() {
            let path = "tests[\(index)]"
            do {
                let configuration = try ConfigDecoder().decode(PipelineTestCaseConfiguration.self, from: entry, path: [path])
                let inputNodes = entry["inputs"]?.sequence ?? []
                let outputNodes = entry["outputs"]?.sequence ?? []
                var test = PipelineTestCase(name: configuration.name, inputs: [], outputs: [], noOutputsFrom: [],
                                            location: entry.location)
                for (position, input) in configuration.inputs.enumerated() {
                    let location = inputNodes[position]["insert_at"]?.location ?? entry.location
                    if check(input.insert_at, allowOutput: false, at: location, "\(path).inputs[\(position)].insert_at", &diagnostics) {
                        test.inputs.append(.init(insertAt: input.insert_at, event: input.event, location: location))
                    }
                }
                for (position, output) in (configuration.outputs ?? []).enumerated() {
                    let location = outputNodes[position]["extract_from"]?.location ?? entry.location
                    if check(output.extract_from, allowOutput: true, at: location, "\(path).outputs[\(position)].extract_from", &diagnostics) {
                        test.outputs.append(.init(extractFrom: output.extract_from, conditions: output.conditions ?? [], location: location))
                    }
                }
                let silentNodes = entry["no_outputs_from"]?.sequence ?? []
                for (position, id) in (configuration.no_outputs_from ?? []).enumerated() {
                    let location = position < silentNodes.count ? silentNodes[position].location : entry.location
                    if check(id, allowOutput: true, at: location, "\(path).no_outputs_from[\(position)]", &diagnostics) {
                        test.noOutputsFrom.append(id)
                    }
                }
                if configuration.inputs.isEmpty {
                    diagnostics.append(Diagnostic(at: entry.location, "\(path): a test needs at least one input"))
                }
                tests.append(test)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return tests
    }

    /// Whether `reference` names a stage (and, with `allowOutput`, a named output of it) that tests can use.
    private func check(_ reference: String, allowOutput: Bool, at location: SourceLocation, _ path: String,
                       _ diagnostics: inout [Diagnostic]) -> Bool {
        let parsed = InputReference(parsing: reference, at: location)
        guard let stage = plan.first(where: { $0.id == parsed.stageID }) else {
            var message = "\(path): unknown stage '\(parsed.stageID)'"
            if let suggestion = Suggestion.closest(to: parsed.stageID, in: plan.map(\.id)) { message += "; did you mean '\(suggestion)'?" }
            diagnostics.append(Diagnostic(at: location, message))
            return false
        }
        if stage.kind == .source {
            diagnostics.append(Diagnostic(at: location, "\(path): '\(stage.id)' is a source; tests put events into transforms or sinks and read them from there"))
            return false
        }
        if let output = parsed.output {
            guard allowOutput, stage.namedOutputs.contains(output) else {
                diagnostics.append(Diagnostic(at: location, "\(path): '\(stage.id)' has no output '\(output)'"))
                return false
            }
        }
        return true
    }
}
