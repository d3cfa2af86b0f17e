import CoreStages
import SwitchyardCLI
import SwitchyardKit

// The built-in stage families; a custom binary adds its own register calls here.
var registry = StageRegistry()
registry.registerCoreStages()
await SwitchyardCommand.main(registry: registry)
