import CoreStages
import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("stage documentation")
struct StageDocsTests {
    @Test("every core stage's example loads")
    func examplesLoad() throws {
        var registry = StageRegistry()
        registry.registerCoreStages()
        #expect(registry.all.map { "\($0.kind.rawValue):\($0.typeName)" } == [
            "source:file", "source:generator", "source:stdin",
            "transform:dedupe", "transform:filter", "transform:remap", "transform:route", "transform:sample", "transform:throttle",
            "sink:blackhole", "sink:file", "sink:stdout",
        ])
        for type in registry.all {
            let body = type.example.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
            // Examples name their inputs after the stages of the demo: home, sensors, source.
            let upstream = "sources:\n  home: { type: generator, count: 1, lines: [x] }\n"
                + "transforms:\n  sensors: { type: filter, inputs: [home], condition: 'true' }\n"
            let yaml: String
            switch type.kind {
            case .source: yaml = "sources:\n  stage:\n\(body)\nsinks:\n  out: { type: blackhole, inputs: [stage] }\n"
            case .transform:
                yaml = upstream + "  stage:\n\(body)\nsinks:\n  out: { type: blackhole, inputs: [stage, sensors] }\n"
            case .sink: yaml = upstream + "sinks:\n  stage:\n\(body)\n  out: { type: blackhole, inputs: [sensors] }\n"
            }
            let plan = try Fixture.harness.load(yaml)
            #expect(plan.stage("stage")?.typeName == type.typeName)
        }
    }
}
