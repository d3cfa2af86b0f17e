import CoreStages
import HTTPStages
import SQLiteStages
import SwitchyardCLI
import SwitchyardKit
import WebSocketStages

// The built-in stage families; a custom binary adds its own register calls here.
var registry = StageRegistry()
registry.registerCoreStages()
registry.registerWebSocketStages()
registry.registerHTTPStages()
registry.registerSQLiteStages()
await SwitchyardCommand.main(registry: registry)
