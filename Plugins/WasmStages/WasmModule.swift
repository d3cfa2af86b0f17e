@_spi(Fuzzing) import WasmKit
import Logging
import SwitchyardKit

/// One instance of a transform's WebAssembly module, reused from event to event, and made
/// afresh after a trap (its memory may then be in any state).
///
/// Not thread-safe (WasmKit's `Store` is not): the transform that owns it calls it from its
/// own task only, one event at a time.
final class WasmModule: @unchecked Sendable {
    /// What calling the module for one event gave.
    enum Outcome {
        /// The NDJSON lines it returned (empty: the event is dropped).
        case output([UInt8])
        /// It trapped, ran out of fuel, or broke the ABI; the reason says which.
        case failed(String)
    }

    private let module: Module
    private let path: String
    private let engine: Engine
    private let fuel: UInt64
    private let limit: MemoryLimit
    private let maxOutputBytes: Int
    private let logger: Logger
    private var instance: Instance
    private var store: Store

    /// Loads `path`; throws a message naming what is wrong (not wasm, a missing export, an import
    /// other than `env.log`, memory larger than `maxMemoryBytes`).
    init(path: String, fuel: Int, maxMemoryBytes: Int, maxOutputBytes: Int, logger: Logger) throws {
        do {
            module = try parseWasm(filePath: path)
        } catch {
            throw WasmStageError("\(path): not a WebAssembly module: \(error)")
        }
        self.path = path
        engine = Engine(configuration: EngineConfiguration(fuelMetering: true))
        self.fuel = UInt64(fuel)
        self.limit = MemoryLimit(maximumBytes: maxMemoryBytes)
        self.maxOutputBytes = maxOutputBytes
        self.logger = logger
        (store, instance) = try Self.instantiate(module, engine: engine, limit: limit, logger: logger, path: path)
    }

    private static func instantiate(_ module: Module, engine: Engine, limit: MemoryLimit, logger: Logger,
                                    path: String) throws -> (Store, Instance) {
        let store = Store(engine: engine)
        store.resourceLimiter = limit
        let log = Function(store: store, parameters: [.i32, .i32]) { (caller: borrowing Caller, arguments: [Value]) throws -> [Value] in
            guard let memory = caller.instance?.exports[memory: "memory"] else { return [] }
            let (offset, count) = (Int(arguments[0].i32), min(Int(arguments[1].i32), 4096))
            guard offset + count <= memory.byteCount else { throw WasmStageError("env.log: (\(offset), \(count)) lies outside the module's memory") }
            let text = memory.withUnsafeBufferPointer(offset: UInt(offset), count: count) { String(decoding: $0, as: UTF8.self) }
            logger.info("module: \(text)")
            return []
        }
        let instance: Instance
        do {
            instance = try module.instantiate(store: store, imports: ["env": ["log": log]])
        } catch {
            throw WasmStageError("\(path): cannot instantiate (max_memory is \(limit.maximumBytes) bytes; the module may import only env.log): \(error)")
        }
        guard let memory = instance.exports[memory: "memory"] else { throw WasmStageError("\(path): does not export `memory`") }
        guard memory.byteCount <= limit.maximumBytes else {
            throw WasmStageError("\(path): its memory starts at \(memory.byteCount) bytes, more than max_memory (\(limit.maximumBytes))")
        }
        for (name, parameters, results) in [("alloc", [ValueType.i32], [ValueType.i32]), ("process", [.i32, .i32], [.i64])] {
            guard let function = instance.exports[function: name] else { throw WasmStageError("\(path): does not export `\(name)`") }
            guard function.type.parameters == parameters, function.type.results == results else {
                throw WasmStageError("\(path): `\(name)` must be \(parameters) -> \(results), is \(function.type.parameters) -> \(function.type.results)")
            }
        }
        return (store, instance)
    }

    /// Calls the module for `event` (its JSON bytes), within the fuel budget.
    func call(_ event: [UInt8]) -> Outcome {
        let outcome = attempt(event)
        if case .failed = outcome {
            // A trap can leave the module's memory and globals half-changed: start from a clean instance.
            if let fresh = try? Self.instantiate(module, engine: engine, limit: limit, logger: logger, path: path) {
                (store, instance) = fresh
            }
        }
        return outcome
    }

    private func attempt(_ event: [UInt8]) -> Outcome {
        guard let memory = instance.exports[memory: "memory"], let alloc = instance.exports[function: "alloc"],
            let process = instance.exports[function: "process"]
        else { return .failed("the module lost its exports") }
        store.fuel = Fuel(remaining: fuel)
        do {
            let pointer = Int(try alloc([.i32(UInt32(event.count))])[0].i32)
            guard pointer != 0, pointer + event.count <= memory.byteCount else {
                return .failed("alloc(\(event.count)) returned \(pointer), not room in memory")
            }
            memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: event.count) { buffer in
                event.withUnsafeBytes { buffer.copyMemory(from: $0) }
            }
            let packed = try process([.i32(UInt32(pointer)), .i32(UInt32(event.count))])[0].i64
            let (start, count) = (Int(packed >> 32), Int(packed & 0xffff_ffff))
            guard count > 0 else { return .output([]) }
            guard count <= maxOutputBytes else { return .failed("the output is \(count) bytes, more than max_output_bytes") }
            guard start + count <= memory.byteCount else {
                return .failed("the output (\(start), \(count)) lies outside the module's memory")
            }
            return .output(memory.withUnsafeBufferPointer(offset: UInt(start), count: count) { Array($0) })
        } catch let trap as Trap {
            return .failed("trap: \(trap)")
        } catch {
            return .failed("\(error)")
        }
    }
}

/// A module that cannot be loaded or run.
struct WasmStageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
