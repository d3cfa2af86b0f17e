import SwitchyardKit

/// A value as a key: strings as they are, other values as compact JSON.
enum ValueText {
    static func of(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.string(value)
    }
}
