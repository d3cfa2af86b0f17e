import ArgumentParser
import Logging
import Synchronization
import SwitchyardKit

/// The `switchyard` command line: run, validate, test, tap, top, stages, graph, schema, docs.
///
/// A binary registers the stage families it wants and hands over:
///
/// ```swift
/// var registry = StageRegistry()
/// registry.registerCoreStages()
/// await SwitchyardCommand.main(registry: registry)
/// ```
public struct SwitchyardCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "An event router: YAML-wired sources, transforms and sinks with backpressure.",
        version: SwitchyardVersion.current,
        subcommands: [RunCommand.self, ValidateCommand.self, TestCommand.self, TapCommand.self, TopCommand.self,
                      StagesCommand.self, GraphCommand.self, SchemaCommand.self, DocsCommand.self]
    )

    private static let installedRegistry = Mutex(StageRegistry())

    /// The stage types this binary knows.
    static var registry: StageRegistry { installedRegistry.withLock { $0 } }

    public init() {}

    /// Parses the process arguments and runs the command, with `registry` as the known stage types.
    public static func main(registry: StageRegistry) async {
        installedRegistry.withLock { $0 = registry }
        await main()
    }
}

/// Options every command that reads pipelines shares.
struct LoggingOptions: ParsableArguments {
    @ArgumentParser.Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @ArgumentParser.Option(name: .long, help: "text: the message first, then key=value fields. json: one object per line.")
    var logFormat: LineLogHandler.Format = .text

    /// Sends logs to standard error at the chosen level and format; returns the root logger.
    func bootstrap() -> Logger {
        let (level, format) = (logLevel, logFormat)
        LoggingSystem.bootstrap { _ in
            var handler = LineLogHandler(format: format)
            handler.logLevel = level
            return RedactingLogHandler(handler)
        }
        return Logger(label: "switchyard")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LineLogHandler.Format: ExpressibleByArgument {}
