import SwitchyardKit

/// Runs a WebAssembly module on each event, in the pipeline's own process: sandboxed (no file
/// system, no network, only `env.log` to import), memory capped, and each call bounded in fuel.
/// A module that traps, loops or breaks the ABI sends that event to `<id>.errors` and the stage
/// carries on. The ABI is in `docs/wasm-abi.md`.
public struct WasmTransform: Transform {
    public struct Configuration: StageConfiguration, DropOnErrorConfiguration {
        @Option("The .wasm file (the ABI: exports memory, alloc(len) -> ptr, process(ptr, len) -> (out_ptr << 32 | out_len); imports nothing or env.log).")
        var module: String
        @Option("Fuel per event (about one WebAssembly instruction each): a module that needs more traps, and that event goes to errors.", minimum: 1)
        var fuel = 10_000_000
        @Option("The module's memory may not grow past this (memory.grow fails; a module that then writes past its memory traps).")
        var max_memory = ConfigByteSize(bytes: 16 << 20)
        @Option("The most bytes of output one event may give.")
        var max_output_bytes = ConfigByteSize(bytes: 1 << 20)
        @Option("false: failed events (trap, out of fuel, bad output) go to `<id>.errors` with `_error: {stage, message}`. true: they are dropped and counted.")
        public var drop_on_error = false

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if fuel < 1 { problems.append(OptionProblem(option: "fuel", "must be at least 1")) }
            if max_memory.bytes < 65536 { problems.append(OptionProblem(option: "max_memory", "must be at least 64KiB (one page)")) }
            if max_output_bytes.bytes < 2 { problems.append(OptionProblem(option: "max_output_bytes", "must be at least 2 bytes")) }
            return problems
        }
    }

    public static let typeName = "wasm"
    public static let summary = "Runs a sandboxed WebAssembly module on each event (fuel and memory bounded); traps go to <id>.errors."
    public static let example = """
        type: wasm
        inputs: [home]
        module: Examples/wasm/tag.wasm
        fuel: 10000000
        max_memory: 16MB
        """

    private let configuration: Configuration
    private let module: WasmModule
    private let errors: ErrorsOutput

    /// Loads and instantiates the module once: a missing or invalid module fails the pipeline at startup.
    public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        module = try WasmModule(path: configuration.module, fuel: configuration.fuel, maxMemoryBytes: configuration.max_memory.bytes,
                                maxOutputBytes: configuration.max_output_bytes.bytes, logger: context.logger)
        errors = ErrorsOutput(dropOnError: configuration.drop_on_error, context: context)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        var bytes: [UInt8] = []
        for event in batch.events {
            bytes.removeAll(keepingCapacity: true)
            event.writeJSON(into: &bytes)
            switch module.call(bytes) {
            case .output(let lines) where lines.isEmpty:
                output.discarded += 1
            case .output(let lines):
                emit(lines, for: event, into: &output)
            case .failed(let reason):
                errors.fail(event, reason, into: &output)
            }
        }
    }

    /// Each line must be a JSON object; otherwise the whole event fails (nothing of it is emitted).
    private func emit(_ lines: [UInt8], for event: Event, into output: inout TransformOutput) {
        var events: [Event] = []
        for line in lines.split(separator: UInt8(ascii: "\n")) {
            do {
                guard let made = try Event(jsonLine: line, metadata: event.metadata) else { continue }
                guard made.value.objectValue != nil else {
                    errors.fail(event, "the module returned a \(made.value.typeName), not an object", into: &output)
                    return
                }
                events.append(made)
            } catch {
                errors.fail(event, "the module's output is not JSON lines: \(error)", into: &output)
                return
            }
        }
        for made in events { output.emit(made) }
    }
}
