import CoreStages
import ExecStages
import HTTPStages
import NATSStages
import SQLiteStages
import SwitchyardCLI
import SwitchyardKit
import WasmStages
import WebSocketStages

// `run` takes over SIGINT/SIGTERM before anything else, so that an early signal drains too.
if CommandLine.arguments.dropFirst().first == "run" { EarlySignals.install() }

// The built-in stage families; a custom binary adds its own register calls here.
var registry = StageRegistry()
registry.registerCoreStages()
registry.registerWebSocketStages()
registry.registerHTTPStages()
registry.registerSQLiteStages()
registry.registerExecStages()
registry.registerWasmStages()
registry.registerNATSStages()
await SwitchyardCommand.main(registry: registry)
