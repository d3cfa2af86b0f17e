import CoreStages
import CustomStages
import SwitchyardCLI
import SwitchyardKit

// The built-in core stages, plus one register call per custom stage: `run`, `validate`,
// `stages`, `test`, `schema` and `docs` all know them.
var registry = StageRegistry()
registry.registerCoreStages()
registry.register(GeoIPTransform.self)
registry.register(RotatingFileSink.self)
await SwitchyardCommand.main(registry: registry)
