import Logging
import SwitchyardKit

/// Appends events to files, one JSON object per line; never writes a partial line.
public struct FileSink: Sink {
    public struct Configuration: StageConfiguration {
        var path: Template
        var encoding: Encoding?
        var flush_interval: ConfigDuration?
        var fsync: Bool?
        var idle_timeout: ConfigDuration?
    }

    /// The file sink's encodings.
    public enum Encoding: String, ConfigEnum {
        case ndjson
    }

    public static let typeName = "file"
    public static let summary = "Appends events to files as NDJSON; the path may be a template; whole lines only."
    public static let options = [
        StageOption("path", type: "template", required: true,
                    "The file to append to, e.g. data/{{ .data.entity_id }}.ndjson; missing directories are made. Values rendered into the path cannot leave its directory ('/' and leading dots become '_')."),
        StageOption("encoding", type: Encoding.valueList, default: "ndjson", "One compact JSON object per line."),
        StageOption("flush_interval", type: "duration", default: "1s",
                    "Longest time written events wait in memory under continuous load; an idle input is written at once."),
        StageOption("fsync", type: "bool", default: "false", "fsync the file after every write, for durability across power loss."),
        StageOption("idle_timeout", type: "duration", default: "30s",
                    "A file nobody wrote to for this long is closed (it is reopened on the next event)."),
    ]
    public static let example = """
        type: file
        inputs: [home]
        path: data/events-{{ .event_type }}.ndjson
        flush_interval: 1s
        fsync: false
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(input: SinkInput) async throws {
        let files = OpenFiles(idleTimeout: configuration.idle_timeout?.duration ?? .seconds(30),
                              sync: configuration.fsync ?? false, logger: context.logger)
        let template = configuration.path
        let constantPath = template.isConstant ? template.text : nil
        var failures = 0
        let loop = LineSinkLoop(encoding: .ndjson, flushInterval: configuration.flush_interval?.duration ?? .seconds(1),
                                metrics: context.metrics)
        try await loop.run(input: input) { event in
            if let constantPath { return constantPath }
            do {
                return try template.renderPath(event)
            } catch {
                context.metrics.addErrors(1)
                context.metrics.addDropped(1)
                if failures < 20 { context.logger.error("cannot render the path for an event (dropped): \(error)") }
                failures += 1
                return nil
            }
        } write: { path, bytes in
            try files.append(bytes, to: path)
        } flushed: {
            files.closeIdle()
        }
        files.closeAll()
    }
}
