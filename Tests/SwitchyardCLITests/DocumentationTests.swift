import CoreStages
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
        return registry
    }

    @Test("the README documents every stage type and every option")
    func readmeDocumentsOptions() throws {
        let readme = try String(contentsOf: SwitchyardProcess.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for type in Self.registry.all {
            #expect(readme.contains("#### `\(type.typeName)`"), "README lacks a section for \(type.typeName)")
            for option in type.options {
                #expect(readme.contains("`\(option.name)`"), "README lacks \(type.typeName) option \(option.name)")
            }
        }
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
