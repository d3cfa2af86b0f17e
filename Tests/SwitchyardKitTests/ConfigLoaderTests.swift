import SwitchyardTesting
import Testing
@testable import SwitchyardKit

@Suite("Config loading and graph checks")
struct ConfigLoaderTests {
    let harness = PipelineHarness(registry: TestStages.registry, environment: ["TOKEN": "s3cr3t-value", "PORT": "8080"])

    /// Loads `yaml` expecting failure; returns the messages as `LINE:COLUMN: message`.
    private func errors(_ yaml: String) -> [String] {
        do {
            _ = try harness.load(yaml, file: "p.yaml")
            Issue.record("expected the pipeline to be rejected")
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map { "\($0.location.line):\($0.location.column): \($0.message)" }
        }
    }

    @Test("a valid pipeline loads, with stages in section order")
    func valid() throws {
        let plan = try harness.load("""
            sinks:
              out: { type: collect, inputs: [tag], name: x }
            transforms:
              tag: { type: tag, inputs: [src], field: seen }
            sources:
              src: { type: memory, events: [{ a: 1 }] }
            """)
        #expect(plan.stages.map(\.id) == ["src", "tag", "out"])
        #expect(plan.warnings.isEmpty)
    }

    @Test("an unknown option is reported at its key, with a suggestion")
    func unknownOption() {
        #expect(errors("""
            sources:
              src: { type: memory, events: [], batch_sise: 3 }
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """) == ["2:36: unknown option 'batch_sise' in sources.src; did you mean 'batch_size'?"])
    }

    @Test("a wrong type is reported at the value with the field path")
    func wrongType() {
        #expect(errors("""
            sources:
              src:
                type: memory
                events: []
                repeat: often
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """) == [#"5:13: sources.src.repeat: expected an integer, found "often""#])
    }

    @Test("a missing required option is named")
    func missingOption() {
        #expect(errors("""
            sources:
              src: { type: memory }
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """) == ["2:8: sources.src: missing required option 'events'"])
    }

    @Test("an unknown stage type suggests the closest")
    func unknownType() {
        #expect(errors("""
            sources:
              src: { type: memroy, events: [] }
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """) == ["2:16: sources.src: unknown source type 'memroy'; did you mean 'memory'?"])
    }

    @Test("an unknown input suggests the closest stage")
    func unknownInput() {
        #expect(errors("""
            sources:
              sensors: { type: memory, events: [] }
            sinks:
              out: { type: collect, inputs: [sensor], name: x }
            """).first == "4:34: sinks.out: unknown input 'sensor'; did you mean 'sensors'?")
    }

    @Test("named outputs are checked")
    func namedOutputs() throws {
        let plan = try harness.load("""
            sources:
              src: { type: memory, events: [] }
            transforms:
              split: { type: tag, inputs: [src], field: f, outputs: [copies] }
            sinks:
              a: { type: collect, inputs: [split], name: a }
              b: { type: collect, inputs: [split.copies], name: b }
            """)
        #expect(plan.stage("split")?.namedOutputs == ["copies"])
        #expect(errors("""
            sources:
              src: { type: memory, events: [] }
            transforms:
              split: { type: tag, inputs: [src], field: f, outputs: [copies] }
            sinks:
              b: { type: collect, inputs: [split.copy, src.x], name: b }
            """) == [
                "6:32: sinks.b: stage 'split' has no output 'copy'; its outputs: split.copies",
                "6:44: sinks.b: stage 'src' has no output 'x'; it has only its default output, written 'src'",
            ])
    }

    @Test("a stage whose options did not load: references to its named outputs are not reported falsely")
    func outputsOfBrokenStage() {
        let found = errors("""
            sources:
              src: { type: memory, events: [] }
            transforms:
              split: { type: tag, inputs: [src], field: [1], outputs: [copies] }
            sinks:
              b: { type: collect, inputs: [split.copies], name: b }
            """)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains("field") == true)
        #expect(!found.contains { $0.contains("no output") })
    }

    @Test("duplicate ids across sections are reported with both places")
    func duplicateIDs() {
        #expect(errors("""
            sources:
              main: { type: memory, events: [] }
            sinks:
              main: { type: collect, inputs: [main], name: x }
            """).contains("4:3: duplicate id 'main': already declared as a source at p.yaml:2:3; ids are unique across sources, transforms and sinks"))
    }

    @Test("a key given twice in one mapping is refused where the mapping starts, however its scalars look")
    func duplicateKeys() {
        // The YAML is composed without Yams' tag-resolving regular expressions, so keys compare
        // as the strings they are: `1` and `01`, `yes` and `true` stay different keys.
        let found = errors("""
            sources:
              a: { type: memory, events: [], 1: x, 01: y, yes: x, true: y }
            sinks:
              o:
                type: collect
                inputs: [a]
                type: collect
            """)
        #expect(found.contains("5:5: duplicate key 'type' in this mapping (ids and option names must be unique)"), "\(found)")
        #expect(!found.contains { $0.contains("duplicate key '1'") || $0.contains("duplicate key 'yes'") }, "\(found)")
    }

    @Test("a cycle is reported once, naming the stages on it in data-flow order")
    func cycle() {
        let found = errors("""
            sources:
              src: { type: memory, events: [] }
            transforms:
              a: { type: tag, inputs: [src, c], field: f }
              b: { type: tag, inputs: [a], field: f }
              c: { type: tag, inputs: [b], field: f }
            sinks:
              out: { type: collect, inputs: [c], name: x }
            """)
        #expect(found == ["4:3: transforms.a: cycle in the graph: a -> b -> c -> a"])
    }

    @Test("sinks and transforms without inputs are errors")
    func missingInputs() {
        #expect(errors("""
            sources:
              src: { type: memory, events: [] }
            transforms:
              t: { type: tag, field: f }
            sinks:
              out: { type: collect, inputs: [], name: x }
            """) == [
                "4:3: transforms.t: a transform needs `inputs:` (a list of stage ids)",
                "6:33: sinks.out: inputs: a sink needs at least one input",
            ])
    }

    @Test("every problem in the file is reported together, in file order")
    func allTogether() {
        let found = errors("""
            sourcs: {}
            sources:
              src: { type: memory, events: [], bogus: 1 }
            sinks:
              out: { type: colect, inputs: [nope], name: x }
              out2: { type: collect, inputs: [src], name: x, buffer: { max_events: 0 } }
            """)
        #expect(found.count == 5)
        #expect(found[0] == "1:1: unknown top-level key 'sourcs'; did you mean 'sources'?")
        #expect(found[1].hasPrefix("3:36: unknown option 'bogus'"))
        #expect(found[2] == "5:16: sinks.out: unknown sink type 'colect'; did you mean 'collect'?")
        #expect(found[3].hasPrefix("5:33: sinks.out: unknown input 'nope'"))
        #expect(found[4] == "6:60: sinks.out2: buffer.max_events: must be at least 1")
    }

    @Test("an output nobody consumes is a warning, not an error")
    func unconsumedWarning() throws {
        let plan = try harness.load("""
            sources:
              src: { type: memory, events: [] }
              spare: { type: memory, events: [] }
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """)
        #expect(plan.warnings.map(\.description) == [
            "test.yaml:3:3: warning: sources.spare: no stage consumes this source's output; its events go nowhere"
        ])
    }

    @Test("environment variables are interpolated, with defaults")
    func interpolation() throws {
        let plan = try harness.load("""
            sources:
              src: { type: memory, events: [{ port: "${PORT}", host: "${HOST:-localhost}", cost: "$$5" }] }
            sinks:
              out: { type: collect, inputs: [src], name: "${NAME:-fallback}" }
            """)
        #expect(plan.stages.count == 2)
    }

    @Test("a missing variable without default is an error naming it")
    func missingVariable() {
        #expect(errors("""
            sources:
              src: { type: memory, events: [{ a: "${MISSING_VAR}" }] }
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """) == ["2:38: environment variable MISSING_VAR is not set (write ${MISSING_VAR:-default} to give a default)"])
    }

    @Test("a value from the environment is never printed in an error")
    func secretsNotPrinted() {
        let found = errors("""
            sources:
              src: { type: memory, events: [], repeat: "${TOKEN}" }
            sinks:
              out: { type: collect, inputs: [src], name: x }
            """)
        #expect(found == ["2:44: sources.src.repeat: expected an integer, found the value of ${TOKEN}"])
        #expect(!found.joined().contains("s3cr3t"))
    }

    @Test("YAML syntax errors carry their position")
    func yamlSyntax() {
        let found = errors("sources:\n  src: { type: memory\nsinks: []\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("3:") == true || found.first?.hasPrefix("2:") == true)
        #expect(found.first?.contains("invalid YAML") == true)
    }

    @Test("a pipeline without sources is rejected")
    func noSources() {
        #expect(errors("sinks: {}\n") == ["1:1: the pipeline has no sources; add one under `sources:`"])
    }

    @Test("durations read ms, s, m and h")
    func durations() {
        #expect(ConfigDuration(parsing: "250ms")?.duration == .milliseconds(250))
        #expect(ConfigDuration(parsing: "5s")?.duration == .seconds(5))
        #expect(ConfigDuration(parsing: "1m")?.duration == .seconds(60))
        #expect(ConfigDuration(parsing: "1.5s")?.duration == .milliseconds(1500))
        #expect(ConfigDuration(parsing: "2h")?.duration == .seconds(7200))
        #expect(ConfigDuration(parsing: "5") == nil)
        #expect(ConfigDuration(parsing: "-1s") == nil)
        #expect(ConfigDuration(parsing: "fast") == nil)
    }

    @Test("an invalid enum value lists the valid ones")
    func enumValues() {
        #expect(errors("""
            sources:
              src: { type: memory, events: [] }
            sinks:
              out: { type: collect, inputs: [src], name: x, buffer: { when_full: drop } }
            """) == [#"4:70: sinks.out.buffer.when_full: expected one of block, drop_newest, found "drop""#])
    }

    @Test("absurd sizes and durations are errors, not crashes (found by fuzzing)")
    func absurdNumbers() {
        #expect(ConfigByteSize(parsing: "18888888888888888888888888888888888888888888880MB") == nil)
        #expect(ConfigByteSize(parsing: "1e300GB") == nil)
        #expect(ConfigByteSize(parsing: "10MB")?.bytes == 10 << 20)
        #expect(ConfigDuration(parsing: "1e300h") == nil)
        #expect(ConfigDuration(parsing: "99999999999999999999s") == nil)
        #expect(ConfigDuration(parsing: "1.5s")?.duration == .milliseconds(1500))
    }
}
