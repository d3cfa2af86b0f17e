/// How a source turns a line of input into an event.
public enum InputFormat: String, ConfigEnum {
    /// Each line is one JSON value (usually an object); bad lines are counted and logged.
    case ndjson
    /// Each line becomes `{"message": "<line>"}`.
    case lines
}
