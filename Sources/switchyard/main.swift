import CoreStages
import SwitchyardCLI
import SwitchyardKit
import WebSocketStages

// The built-in stage families; a custom binary adds its own register calls here.
var registry = StageRegistry()
registry.registerCoreStages()
registry.registerWebSocketStages()
await SwitchyardCommand.main(registry: registry)
