import SwitchyardKit

extension StageRegistry {
    /// Registers the `wasm` transform: sandboxed WebAssembly modules, in process (WasmKit).
    public mutating func registerWasmStages() {
        register(WasmTransform.self)
    }
}
