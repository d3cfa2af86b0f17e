import CoreStages
import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("stage documentation")
struct StageDocsTests {
    @Test("every core stage's example loads, and uses only documented options")
    func examplesLoad() throws {
        var registry = StageRegistry()
        registry.registerCoreStages()
        #expect(registry.all.map { "\($0.kind.rawValue):\($0.typeName)" } == [
            "source:file", "source:generator", "source:stdin", "sink:blackhole", "sink:file", "sink:stdout",
        ])
        for type in registry.all {
            let body = type.example.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
            var yaml = "sources:\n"
            if type.kind == .source {
                yaml += "  stage:\n\(body)\nsinks:\n  out: { type: blackhole, inputs: [stage] }\n"
            } else {
                yaml += "  home: { type: generator, count: 1, lines: [x] }\nsinks:\n  stage:\n\(body)\n"
            }
            let plan = try Fixture.harness.load(yaml)
            #expect(plan.stage("stage")?.typeName == type.typeName)
            let documented = Set(type.options.map(\.name) + ["type", "inputs", "buffer"])
            for line in type.example.split(separator: "\n") {
                let key = String(line.prefix { $0 != ":" })
                #expect(documented.contains(key), "\(type.typeName): example option '\(key)' is not documented")
            }
        }
    }
}
