/// The Markdown reference of stage types, made from their option declarations: printed by
/// `switchyard docs`, and kept in the README between `<!-- BEGIN GENERATED: kind type -->` and
/// `<!-- END GENERATED -->` markers.
public enum StageReference {
    /// The marker line that opens the generated table of `type`.
    public static func beginMarker(_ type: RegisteredStageType) -> String {
        "<!-- BEGIN GENERATED: \(type.kind.rawValue) \(type.typeName) -->"
    }

    /// The marker line that closes a generated table.
    public static let endMarker = "<!-- END GENERATED -->"

    /// The options table of `type`: one row per option, a group's members as `group.member` rows.
    public static func optionsTable(_ type: RegisteredStageType) -> String {
        var lines = ["| option | type | default | |", "|---|---|---|---|"]
        func add(_ options: [OptionDeclaration], prefix: String) {
            for option in options {
                let defaultText = option.isRequired ? "required" : option.defaultText.map { "`\(cell($0))`" } ?? ""
                lines.append("| `\(prefix)\(option.name)` | \(option.type.documentation) | \(defaultText) | \(cell(option.help)) |")
                add(option.members, prefix: prefix + option.name + ".")
            }
        }
        let options = type.options
        add(options, prefix: "")
        if options.isEmpty { lines = ["No options."] }
        return lines.joined(separator: "\n")
    }

    /// The full reference of `registry`: per kind, per type, its summary, options and example.
    public static func document(_ registry: StageRegistry) -> String {
        var text = ""
        for kind in StageKind.allCases {
            text += "## \(kind.section.prefix(1).uppercased() + kind.section.dropFirst())\n\n"
            for type in registry.all where type.kind == kind {
                text += "### `\(type.typeName)`\n\n\(type.summary)\n\n\(optionsTable(type))\n\n"
                text += "```yaml\n\(kind.section):\n  my_\(type.typeName):\n"
                text += type.example.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n")
                text += "\n```\n\n"
            }
        }
        return text
    }

    /// `document` with every generated block replaced by what the registry declares now.
    /// - Returns: the new text, and the types that have no block in it.
    public static func regenerate(_ document: String, registry: StageRegistry) -> (text: String, missing: [String]) {
        var text = document
        var missing: [String] = []
        for type in registry.all {
            let begin = beginMarker(type)
            guard let start = text.firstRange(of: begin), let end = text[start.upperBound...].firstRange(of: endMarker) else {
                missing.append("\(type.kind.rawValue) \(type.typeName)")
                continue
            }
            text.replaceSubrange(start.upperBound..<end.lowerBound, with: "\n" + optionsTable(type) + "\n")
        }
        return (text, missing)
    }

    private static func cell(_ text: String) -> String {
        text.replacing("|", with: "\\|").replacing("\n", with: " ")
    }
}
