import Foundation
import Yams

/// Turns YAML text into ``ConfigNode``s, replacing `${VAR}` and `${VAR:-default}`.
///
/// Interpolation happens per scalar after parsing rather than on the raw text:
/// positions stay exact, a variable's value cannot change the document's
/// structure, and scalars that came from the environment are marked so their
/// values (perhaps secrets) are never printed.
struct ConfigNodeBuilder {
    /// The most nodes a document may expand to. YAML aliases share nodes, so a small file
    /// can stand for billions of them ("billion laughs"); expanding stops here.
    static let maximumNodes = 100_000

    let file: String
    let environment: [String: String]
    var diagnostics: [Diagnostic] = []
    private var lines: [Substring] = []
    private var nodeCount = 0

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    /// Parses `text`; returns nil (with a diagnostic) when it is not YAML.
    mutating func build(yaml text: String) -> ConfigNode? {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let node: Node?
        do {
            // The basic resolver: every plain scalar stays a string (the config decoder reads
            // types itself), so Yams compiles none of its tag-matching regular expressions
            // (about 9 million instructions and ICU's regex engine, resident, at every start).
            node = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, file: file))
            return nil
        } catch {
            diagnostics.append(Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "\(error)"))
            return nil
        }
        guard let node else { return ConfigNode(.null, at: SourceLocation(file: file, line: 1, column: 1)) }
        let root = convert(node)
        // Past the limit the rest is nulls: checking it would only add false errors.
        return nodeCount > Self.maximumNodes ? nil : root
    }

    private func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private mutating func convert(_ node: Node) -> ConfigNode {
        nodeCount += 1
        guard nodeCount <= Self.maximumNodes else {
            if nodeCount == Self.maximumNodes + 1 {
                diagnostics.append(Diagnostic(at: location(node.mark),
                    "the document is too large: more than \(Self.maximumNodes) YAML nodes once its aliases are expanded (a pipeline has hundreds; aliases of aliases multiply)"))
            }
            return ConfigNode(.null, at: location(node.mark))
        }
        switch node {
        case .scalar(let scalar):
            let quoted = scalar.style != .plain
            if !quoted, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return ConfigNode(.null, at: location(scalar.mark))
            }
            let (text, variables) = interpolate(scalar.string, at: location(scalar.mark))
            let start = location(scalar.mark)
            var textStart = start
            let isBlock = scalar.style == .literal || scalar.style == .folded
            if isBlock {
                textStart = blockTextStart(after: start)
            } else if quoted {
                textStart.column += 1
            }
            return ConfigNode(.scalar(text, quoted: quoted), at: start, interpolatedVariables: variables,
                              textStart: textStart, isBlock: isBlock)
        case .sequence(let sequence):
            return ConfigNode(.sequence(sequence.map { convert($0) }), at: location(sequence.mark))
        case .mapping(let mapping):
            let members = mapping.map { (key: convert($0.key), value: convert($0.value)) }
            return ConfigNode(.mapping(members), at: location(mapping.mark))
        case .alias(let alias):
            return ConfigNode(.null, at: location(alias.mark))
        }
    }

    /// Where a block scalar's text starts: its first non-blank line after the indicator, at its indentation.
    private func blockTextStart(after indicator: SourceLocation) -> SourceLocation {
        var index = indicator.line
        while index < lines.count, lines[index].allSatisfy({ $0 == " " }) { index += 1 }
        guard index < lines.count else { return indicator }
        let indent = lines[index].prefix { $0 == " " }.count
        return SourceLocation(file: file, line: index + 1, column: indent + 1)
    }

    /// Replaces `${NAME}` and `${NAME:-default}`; `$$` stands for a literal `$`.
    private mutating func interpolate(_ text: String, at location: SourceLocation) -> (String, [String]) {
        guard text.contains("$") else { return (text, []) }
        var result = ""
        var variables: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                result.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
                continue
            }
            guard text[next] == "{", let close = text[next...].firstIndex(of: "}") else {
                result.append(character)
                index = next
                continue
            }
            let body = text[text.index(after: next)..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = body.range(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            } else {
                name = body
                fallback = nil
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                result += value
                variables.append(String(name))
                SecretRedactor.shared.register(name: String(name), value: value)
            } else if let fallback {
                result += fallback
            } else {
                diagnostics.append(
                    Diagnostic(at: location, "environment variable \(name) is not set (write ${\(name):-default} to give a default)")
                )
            }
            index = text.index(after: close)
        }
        return (result, variables)
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return Diagnostic(at: SourceLocation(file: file, line: mark.line, column: mark.column), "invalid YAML: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                "duplicate key \(names) in this mapping (ids and option names must be unique)"
            )
        default:
            return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}
