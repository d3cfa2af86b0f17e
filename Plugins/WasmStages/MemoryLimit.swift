@_spi(Fuzzing) import WasmKit

/// Refuses any growth of a module's memory (or tables) past a size: `memory.grow` then returns
/// -1 to the module, which usually traps soon after, sending that event to errors.
final class MemoryLimit: ResourceLimiter {
    let maximumBytes: Int

    init(maximumBytes: Int) { self.maximumBytes = maximumBytes }

    func limitMemoryGrowth(to desired: Int) throws -> Bool { desired <= maximumBytes }
    func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 100_000 }
}
