/// The kind of value an option takes, for docs and the JSON Schema.
public indirect enum OptionType: Sendable {
    case string
    case integer
    case number
    case boolean
    /// `250ms`, `5s`, `1m`, `2h`.
    case duration
    /// `512KiB`, `64MiB`, or a number of bytes.
    case size
    /// An expression of the expression language.
    case expression
    /// A string with `{{ expression }}` parts.
    case template
    /// A remap program.
    case program
    /// Any YAML value (taken as JSON).
    case any
    /// One of these strings.
    case oneOf([String])
    case list(OptionType)
    /// A mapping from any key to values of this type.
    case mapping(OptionType)
    /// A mapping with these keys only.
    case group([OptionDeclaration])

    /// The type as the docs write it: `duration`, `` `ndjson` \| `lines` ``, `list of strings`.
    public var documentation: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "bool"
        case .duration: "duration"
        case .size: "size"
        case .expression: "expression"
        case .template: "template"
        case .program: "remap program"
        case .any: "any value"
        case .oneOf(let values): values.map { "`\($0)`" }.joined(separator: " \\| ")
        case .list(let element): "list of \(element.plural)"
        case .mapping(let element): "mapping of \(element.plural)"
        case .group(let members): "{ " + members.map(\.name).joined(separator: ", ") + " }"
        }
    }

    private var plural: String {
        switch self {
        case .string, .integer, .number, .duration, .size, .expression, .template: documentation + "s"
        case .boolean: "bools"
        default: documentation
        }
    }

    /// The JSON Schema (draft 2020-12) of a value of this type. Scalars other than strings also
    /// accept `${VARIABLE}`, which is interpolated before decoding.
    public var jsonSchema: JSONValue {
        switch self {
        case .string, .expression, .template, .program: ["type": "string"]
        case .integer: Self.orVariable(["type": "integer"])
        case .number: Self.orVariable(["type": "number"])
        case .boolean: Self.orVariable(["type": "boolean"])
        case .duration: ["type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h)|\\$\\{.+\\})$"]
        case .size: Self.orVariable(["anyOf": [["type": "integer", "minimum": 0],
                                               ["type": "string", "pattern": "^[0-9]+(\\.[0-9]+)? *(KiB|MiB|GiB|KB|MB|GB|B)?$"]]])
        case .any: [:]
        case .oneOf(let values): ["enum": .array(values.map { .string($0) })]
        case .list(let element): ["type": "array", "items": element.jsonSchema]
        case .mapping(let element): ["type": "object", "additionalProperties": element.jsonSchema]
        case .group(let members): OptionDeclaration.objectSchema(members)
        }
    }

    private static func orVariable(_ schema: JSONValue) -> JSONValue {
        ["anyOf": [schema, ["type": "string", "pattern": "^\\$\\{.+\\}$"]]]
    }
}

extension OptionDeclaration {
    /// The schema of one option: its type's, with description, default and minimum.
    public var jsonSchema: JSONValue {
        var schema = type.jsonSchema.objectValue ?? JSONObject()
        schema["description"] = .string(help)
        if let defaultValue { schema["default"] = defaultValue }
        if let minimum { schema["minimum"] = minimum == minimum.rounded() ? .int(Int64(minimum)) : .double(minimum) }
        return .object(schema)
    }

    /// A closed object schema of `members` (`additionalProperties: false`).
    public static func objectSchema(_ members: [OptionDeclaration], extra: [(String, JSONValue)] = [],
                                    required extraRequired: [String] = []) -> JSONValue {
        var properties = JSONObject()
        for (name, schema) in extra { properties[name] = schema }
        for member in members { properties[member.name] = member.jsonSchema }
        let required = extraRequired + members.filter(\.isRequired).map(\.name)
        var schema = JSONObject([("type", "object"), ("properties", .object(properties)), ("additionalProperties", false)])
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }
}
