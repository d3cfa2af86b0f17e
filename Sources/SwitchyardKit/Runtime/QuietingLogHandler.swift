import Logging

/// A log handler that lowers listed messages to `debug`: for a library's known, harmless
/// noise (Hummingbird logs "Server shutdown error: Already closed" at error level on every
/// clean stop). Everything else passes through unchanged.
public struct QuietingLogHandler: LogHandler {
    private var wrapped: any LogHandler
    private let prefixes: [String]

    /// Wraps `logger`'s handler; messages starting with one of `prefixes` become `debug`.
    public static func logger(_ logger: Logger, quieting prefixes: [String]) -> Logger {
        Logger(label: logger.label) { _ in QuietingLogHandler(wrapped: logger.handler, prefixes: prefixes) }
    }

    private init(wrapped: any LogHandler, prefixes: [String]) {
        self.wrapped = wrapped
        self.prefixes = prefixes
    }

    /// The level of the wrapped handler.
    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    /// The metadata of the wrapped handler.
    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    /// One metadata value of the wrapped handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    /// Logs `event`, lowered to `debug` when its message starts with one of the listed prefixes.
    public func log(event: LogEvent) {
        var event = event
        let text = event.message.description
        if event.level > .debug, prefixes.contains(where: { text.hasPrefix($0) }) {
            event.level = .debug
            guard wrapped.logLevel <= .debug else { return }
        }
        wrapped.log(event: event)
    }
}
