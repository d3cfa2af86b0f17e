/// The JSON Schema (draft 2020-12) of a pipeline file, made from the registry's declarations:
/// what `switchyard schema` prints, for editors (YAML language server) and CI checks.
public struct PipelineSchema {
    let registry: StageRegistry

    /// The schema of pipelines made of `registry`'s stage types.
    public init(registry: StageRegistry) { self.registry = registry }

    /// The whole schema.
    public var json: JSONValue {
        var definitions = JSONObject()
        var properties = JSONObject()
        properties["data_dir"] = ["type": "string", "description": "Where stages keep state (checkpoints, disk buffers), one directory per stage id."]
        properties["api"] = withDescription(OptionDeclaration.objectSchema(APIConfigurationOptions.declarations),
                                            "The HTTP API: /health, /ready, /metrics.")
        properties["tests"] = ["type": "array", "description": "Pipeline unit tests, run by `switchyard test`.",
                               "items": ["type": "object", "required": ["name"]]]
        for kind in StageKind.allCases {
            var choices: [JSONValue] = []
            for type in registry.all where type.kind == kind {
                let name = "\(kind.rawValue).\(type.typeName)"
                definitions[name] = stageSchema(type)
                choices.append(["$ref": .string("#/$defs/\(name)")])
            }
            definitions[kind.rawValue] = ["oneOf": .array(choices)]
            properties[kind.section] = [
                "type": "object", "description": .string("The \(kind.section), by id."),
                "propertyNames": ["pattern": "^[A-Za-z0-9_-]+$"],
                "additionalProperties": ["$ref": .string("#/$defs/\(kind.rawValue)")],
            ]
        }
        return .object(JSONObject([
            ("$schema", "https://json-schema.org/draft/2020-12/schema"),
            ("title", "Switchyard pipeline"),
            ("type", "object"),
            ("properties", .object(properties)),
            ("additionalProperties", false),
            ("$defs", .object(definitions)),
        ]))
    }

    /// One stage type: `type` fixed to its name, `inputs` for transforms and sinks, `buffer` for sinks.
    private func stageSchema(_ type: RegisteredStageType) -> JSONValue {
        var extra: [(String, JSONValue)] = [("type", ["const": .string(type.typeName), "description": .string(type.summary)])]
        var required = ["type"]
        if type.kind != .source {
            extra.append(("inputs", ["type": "array", "minItems": 1, "items": ["type": "string"],
                                     "description": "The stages (or stage.output) whose events this stage takes."]))
            required.append("inputs")
        }
        if type.kind == .sink {
            extra.append(("buffer", withDescription(OptionDeclaration.objectSchema(BufferPolicy.declarations),
                                                    "The sink's input buffer.")))
        }
        return OptionDeclaration.objectSchema(type.options, extra: extra, required: required)
    }

    private func withDescription(_ schema: JSONValue, _ text: String) -> JSONValue {
        guard var object = schema.objectValue else { return schema }
        object["description"] = .string(text)
        return .object(object)
    }
}
