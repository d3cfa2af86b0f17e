import ArgumentParser
import SwitchyardKit

/// `switchyard graph PIPELINE.yaml`: prints the graph as Mermaid or DOT.
struct GraphCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case mermaid
        case dot
    }

    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a pipeline's graph as Mermaid (default) or DOT."
    )

    @ArgumentParser.OptionGroup var files: PipelineFiles

    @ArgumentParser.Option(name: .long, help: "mermaid or dot.")
    var format: Format = .mermaid

    func run() throws {
        let plan: PipelinePlan
        do {
            plan = try files.load(registry: SwitchyardCommand.registry)
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode(1)
        }
        print(SecretRedactor.shared.redact(format == .mermaid ? GraphRenderer.mermaid(plan) : GraphRenderer.dot(plan)), terminator: "")
    }
}

/// Draws a pipeline's graph as text.
enum GraphRenderer {
    static func mermaid(_ plan: PipelinePlan) -> String {
        var text = "flowchart LR\n"
        for stage in plan.stages {
            let label = "\(stage.id)<br/><i>\(stage.typeName) \(stage.kind.rawValue)</i>"
            switch stage.kind {
            case .source: text += "  \(stage.id)[/\"\(label)\"/]\n"
            case .transform: text += "  \(stage.id)[\"\(label)\"]\n"
            case .sink: text += "  \(stage.id)[(\"\(label)\")]\n"
            }
        }
        for edge in plan.edges {
            if let output = edge.from.output {
                text += "  \(edge.from.stageID) -- \(output) --> \(edge.to)\n"
            } else {
                text += "  \(edge.from.stageID) --> \(edge.to)\n"
            }
        }
        return text
    }

    static func dot(_ plan: PipelinePlan) -> String {
        var text = "digraph pipeline {\n  rankdir=LR;\n"
        for stage in plan.stages {
            let shape = switch stage.kind {
            case .source: "invhouse"
            case .transform: "box"
            case .sink: "cylinder"
            }
            text += "  \"\(stage.id)\" [shape=\(shape), label=\"\(stage.id)\\n\(stage.typeName) \(stage.kind.rawValue)\"];\n"
        }
        for edge in plan.edges {
            let label = edge.from.output.map { " [label=\"\($0)\"]" } ?? ""
            text += "  \"\(edge.from.stageID)\" -> \"\(edge.to)\"\(label);\n"
        }
        return text + "}\n"
    }
}
