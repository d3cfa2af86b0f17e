import ArgumentParser
import SwitchyardKit

/// `switchyard stages [TYPE]`: lists stage types, or documents one.
struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "List stage types; with TYPE, show its options, docs and an example."
    )

    @Argument(help: "A stage type name, such as file or generator.")
    var type: String?

    func run() throws {
        let registry = SwitchyardCommand.registry
        guard let type else {
            for kind in StageKind.allCases {
                print("\(kind.section):")
                for entry in registry.all where entry.kind == kind {
                    print("  " + entry.typeName.padding(12) + entry.summary)
                }
            }
            return
        }
        let matches = registry.all.filter { $0.typeName == type }
        guard !matches.isEmpty else {
            var message = "unknown stage type '\(type)'"
            if let suggestion = Suggestion.closest(to: type, in: registry.all.map(\.typeName)) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw ValidationError(message)
        }
        for (index, entry) in matches.enumerated() {
            if index > 0 { print("") }
            print("\(entry.typeName) (\(entry.kind.rawValue)): \(entry.summary)\n")
            print("Options:")
            let options = entry.options
            if options.isEmpty { print("  (none)") }
            printOptions(options, prefix: "")
            if entry.kind != .source {
                print("  inputs: list of stage ids (required)")
                print("      The stages (or stage.output) whose events this stage takes.")
            }
            if entry.kind == .sink {
                print("  buffer: the sink's input buffer")
                printOptions(BufferPolicy.declarations, prefix: "buffer.")
            }
            print("\nExample:\n\(entry.kind.section):\n  my_\(entry.typeName):")
            for line in entry.example.split(separator: "\n", omittingEmptySubsequences: false) {
                print("    \(line)")
            }
        }
    }
}

/// Prints each option (a group's members as `group.member`) with its type, default and help.
private func printOptions(_ options: [OptionDeclaration], prefix: String) {
    for option in options {
        var line = "  \(prefix)\(option.name): \(option.type.documentation.replacing("`", with: "").replacing("\\|", with: "|"))"
        if option.isRequired { line += " (required)" }
        if let value = option.defaultText { line += " (default: \(value))" }
        print(line)
        print("      \(option.help)")
        printOptions(option.members, prefix: prefix + option.name + ".")
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
