// libFuzzer harness: the pipeline loader (YAML, ${VAR} interpolation, strict decoding of
// every option, graph checks) on arbitrary text, with a registry of test stage types.
// Errors are expected; crashes, hangs and memory blow-ups are not.
import SwitchyardKit

/// A stage type whose options touch each decoding path: strings, numbers, durations,
/// sizes, lists, mappings, expressions, templates.
private struct FuzzSink: Sink {
    struct Configuration: StageConfiguration {
        var text: String?
        var number: Int?
        var duration: ConfigDuration?
        var size: ConfigByteSize?
        var list: [String]?
        var mapping: [String: String]?
        var condition: SwitchyardKit.Expression?
        var path: Template?
        var program: RemapProgram?
    }

    static let typeName = "fuzz"
    static let summary = "Fuzzing."
    static let options = ["text", "number", "duration", "size", "list", "mapping", "condition", "path", "program"]
        .map { StageOption($0, type: "any", "fuzzing") }
    static let example = "type: fuzz"

    init(configuration: Configuration, context: StageContext) {}
    func run(input: SinkInput) async throws {}
}

private let loader: PipelineLoader = {
    var registry = StageRegistry()
    registry.register(FuzzSink.self)
    return PipelineLoader(registry: registry, environment: ["TOKEN": "secret-value", "EMPTY": ""])
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    do {
        _ = try loader.load(yaml: text, file: "fuzz.yaml")
    } catch {
        precondition(!"\(error)".contains("secret-value"), "a secret was printed")
    }
    return 0
}
