import ArgumentParser
import Foundation
import SwitchyardKit

/// `switchyard docs`: the stage reference in Markdown, or the README's generated tables brought up to date.
struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Print the stage reference (Markdown); with --readme, rewrite that file's generated option tables."
    )

    @ArgumentParser.Option(name: .long, help: "A Markdown file with <!-- BEGIN GENERATED: kind type --> blocks to rewrite in place.")
    var readme: String?

    @Flag(name: .long, help: "With --readme: change nothing, fail if the file is not up to date.")
    var check = false

    func run() throws {
        let registry = SwitchyardCommand.registry
        guard let readme else {
            print(StageReference.document(registry), terminator: "")
            return
        }
        let current = try String(contentsOfFile: readme, encoding: .utf8)
        let (updated, missing) = StageReference.regenerate(current, registry: registry)
        if !missing.isEmpty {
            throw ValidationError("\(readme) has no generated block for: \(missing.joined(separator: ", "))")
        }
        if check {
            guard updated == current else { throw ValidationError("\(readme) is out of date: run `switchyard docs --readme \(readme)`") }
            return
        }
        if updated != current { try updated.write(toFile: readme, atomically: true, encoding: .utf8) }
    }
}
