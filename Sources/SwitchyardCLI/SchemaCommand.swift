import ArgumentParser
import SwitchyardKit

/// `switchyard schema`: the JSON Schema of pipeline files, for editors and CI.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of pipeline files, for the YAML language server and CI."
    )

    func run() throws {
        var bytes: [UInt8] = []
        JSONWriter.writePretty(PipelineSchema(registry: SwitchyardCommand.registry).json, into: &bytes)
        print(String(decoding: bytes, as: UTF8.self))
    }
}
