import CoreStages
import ExecStages
import WasmStages
import Foundation
import HTTPStages
import SQLiteStages
import SwitchyardKit
import Testing
import WebSocketStages

/// Every stage family the binary ships: documented in the README, examples that load.
@Suite("documentation")
struct DocumentationTests {
    static var registry: StageRegistry {
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerWebSocketStages()
        registry.registerHTTPStages()
        registry.registerSQLiteStages()
        registry.registerExecStages()
        registry.registerWasmStages()
        return registry
    }

    @Test("the README's option tables are what the declarations generate, for every stage type")
    func readmeIsGenerated() throws {
        let readme = try String(contentsOf: SwitchyardProcess.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let (generated, missing) = StageReference.regenerate(readme, registry: Self.registry)
        #expect(missing.isEmpty, "README lacks generated blocks for \(missing)")
        let upToDate = generated == readme
        #expect(upToDate, "README is stale: run `swift run switchyard docs --readme README.md`")
        for type in Self.registry.all {
            #expect(readme.contains("#### `\(type.typeName)`"), "README lacks a section for \(type.typeName)")
        }
    }

    @Test("every example pipeline is valid against `switchyard schema` (checked by Python's jsonschema)")
    func pipelinesMatchSchema() throws {
        let directory = try Self.directory()
        let pipelines = try FileManager.default.contentsOfDirectory(atPath: Self.pipelines.path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { Self.pipelines.appendingPathComponent($0).path }
        #expect(pipelines.count >= 5)
        let results = try Self.validateAgainstSchema(pipelines, in: directory)
        for file in pipelines { #expect(results[file] == "valid", "\(file): \(results[file] ?? "no result")") }
    }

    @Test("invalid pipelines are refused by both the schema and `switchyard validate`", arguments: [
        ("unknown option", "sources:\n  a: { type: generator, count: 1, lines: [x], colour: red }\nsinks:\n  b: { type: blackhole, inputs: [a] }\n"),
        ("value not allowed", "sources:\n  a: { type: file, path: x.ndjson, format: xml }\nsinks:\n  b: { type: blackhole, inputs: [a] }\n"),
        ("required option missing", "sources:\n  a: { type: file }\nsinks:\n  b: { type: blackhole, inputs: [a] }\n"),
        ("wrong type", "sources:\n  a: { type: generator, count: many, lines: [x] }\nsinks:\n  b: { type: blackhole, inputs: [a] }\n"),
        ("unknown stage type", "sources:\n  a: { type: kafka }\nsinks:\n  b: { type: blackhole, inputs: [a] }\n"),
        ("nested option misspelt", "sources:\n  a: { type: generator, count: 1, lines: [x] }\nsinks:\n  b: { type: http, inputs: [a], uri: 'http://x', retry: { max_backof: 5s } }\n"),
        ("sink without inputs", "sources:\n  a: { type: generator, count: 1, lines: [x] }\nsinks:\n  b: { type: blackhole }\n"),
    ])
    func invalidRefusedByBoth(_ name: String, _ yaml: String) throws {
        let directory = try Self.directory()
        let file = "\(directory)/invalid.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let results = try Self.validateAgainstSchema([file], in: directory)
        #expect(results[file]?.hasPrefix("invalid") == true, "\(name): the schema accepted it")
        let validate = try SwitchyardProcess.run(["validate", file])
        #expect(validate.status == 1, "\(name): validate accepted it")
    }

    @Test("every public symbol of the SDK (SwitchyardKit, SwitchyardTesting) has a doc comment")
    func sdkIsDocumented() throws {
        // Protocol witnesses and literal conformances document themselves.
        let exempt = ["init(from decoder", "var description", "static func ==", "func hash(into", "makeAsyncIterator",
                      "typealias Element", "func next()", "public init() {}", "static let typeName", "static let summary",
                      "static let example", "var optionDefault", "static var optionType", "Literal value", "init(nilLiteral",
                      "init(arrayLiteral", "init(dictionaryLiteral"]
        var undocumented: [String] = []
        for module in ["Sources/SwitchyardKit", "Sources/SwitchyardTesting"] {
            let root = SwitchyardProcess.repositoryRoot.appendingPathComponent(module)
            let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            for file in files {
                let lines = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                for (index, line) in lines.enumerated() where line.hasPrefix("public ") || (line.hasPrefix("@") && line.contains(" public ")) {
                    if exempt.contains(where: { line.contains($0) }) { continue }
                    var previous = index - 1
                    while previous >= 0, lines[previous].hasPrefix("@") { previous -= 1 }
                    if previous < 0 || !lines[previous].hasPrefix("///") { undocumented.append("\(module)/\(file):\(index + 1): \(line)") }
                }
            }
        }
        #expect(undocumented.isEmpty, "undocumented public symbols:\n\(undocumented.joined(separator: "\n"))")
    }

    static var pipelines: URL { SwitchyardProcess.repositoryRoot.appendingPathComponent("pipelines") }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-docs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `switchyard schema` to a file and checks `files` against it with Python's
    /// `jsonschema`; returns "valid" or "invalid: ..." per file.
    static func validateAgainstSchema(_ files: [String], in directory: String) throws -> [String: String] {
        let schema = try SwitchyardProcess.run(["schema"])
        #expect(schema.status == 0, "schema: \(schema.stderr)")
        let schemaFile = "\(directory)/schema.json"
        try schema.stdout.write(toFile: schemaFile, atomically: true, encoding: .utf8)
        let script = SwitchyardProcess.repositoryRoot.appendingPathComponent("Tests/SwitchyardCLITests/Scripts/validate_schema.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, schemaFile] + files
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "validate_schema.py: \(text)")
        var results: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("valid ") { results[String(line.dropFirst(6))] = "valid" }
            if line.hasPrefix("invalid "), let colon = line.dropFirst(8).firstIndex(of: ":") {
                results[String(line[line.index(line.startIndex, offsetBy: 8)..<colon])] = "invalid" + line[colon...]
            }
        }
        return results
    }

    @Test("every stage type's example loads")
    func examplesLoad() throws {
        let loader = PipelineLoader(registry: Self.registry, environment: [:])
        for type in Self.registry.all where type.kind != .transform {
            let body = type.example.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
            let yaml = type.kind == .source
                ? "sources:\n  stage:\n\(body)\nsinks:\n  out: { type: blackhole, inputs: [stage] }\n"
                : "sources:\n  home: { type: generator, count: 1, lines: [x] }\nsinks:\n  stage:\n\(body)\n"
            #expect(throws: Never.self, "\(type.kind.rawValue) \(type.typeName)") {
                _ = try loader.load(yaml: yaml, file: "\(type.typeName).yaml")
            }
        }
    }
}
