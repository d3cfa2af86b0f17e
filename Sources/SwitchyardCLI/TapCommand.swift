import ArgumentParser
import Foundation
import SwitchyardKit

/// `switchyard tap PIPELINE.yaml|--api ADDRESS STAGE[.OUTPUT]…`: prints the events leaving
/// stages of a running pipeline, live, one JSON object per line.
struct TapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract: "Print the events leaving stages of a running pipeline, live, as NDJSON (through its API).",
        discussion: """
            The pipeline keeps its pace: when this reader falls behind, copies are dropped and the \
            count is reported on standard error. Ends at --limit, or when the pipeline ends.
            """
    )

    @Argument(help: "The pipeline file (unless --api is given), then the stage outputs to tap: STAGE or STAGE.OUTPUT.")
    var arguments: [String]

    @ArgumentParser.Option(name: .long, help: "The API's HOST:PORT, instead of reading it from the pipeline file.")
    var api: String?

    @ArgumentParser.Option(name: .long, help: "Only events for which this expression is true.")
    var condition: String?

    @ArgumentParser.Option(name: .long, help: "Stop after this many events.")
    var limit: Int?

    @ArgumentParser.Flag(name: .long, help: "Print {\"stage\": …, \"event\": …} instead of the bare event.")
    var meta = false

    func run() async throws {
        var outputs = arguments
        let pipelineFile = api == nil && !outputs.isEmpty ? outputs.removeFirst() : nil
        guard !outputs.isEmpty else { throw ValidationError("name at least one stage output to tap") }
        if let limit, limit <= 0 { throw ValidationError("--limit: expected a positive number") }
        var query = outputs.map { "output=" + Self.escape($0) }
        if let condition { query.append("condition=" + Self.escape(condition)) }
        if let limit { query.append("limit=\(limit)") }
        do {
            let client = try APIClient(address: api, pipelineFile: pipelineFile)
            try await client.lines("/tap?" + query.joined(separator: "&")) { line in
                if line.starts(with: Array("{\"dropped\":".utf8)) {
                    let count = String(decoding: line.dropFirst(11).prefix { $0 != 0x7D }, as: UTF8.self)
                    FileHandle.standardError.write(Data("tap: \(count) events not shown (this reader fell behind)\n".utf8))
                    return true
                }
                var bytes = meta ? Array(line) : Array(Self.event(in: line))
                bytes.append(0x0A)
                // A closed standard output (`| head`) ends the tap.
                return (try? FileDescriptorWriter.writeAll(bytes, to: 1, target: "standard output")) != nil
            }
        } catch let failure as APIClient.Failure {
            FileHandle.standardError.write(Data("tap: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The event of a `{"stage":"…","event":{…}}` line (stage ids hold no quotes or commas).
    private static func event(in line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let marker = Array(",\"event\":".utf8)
        var index = line.startIndex
        while index + marker.count <= line.endIndex {
            if line[index..<index + marker.count].elementsEqual(marker) {
                return line[(index + marker.count)..<(line.endIndex - 1)]
            }
            index += 1
        }
        return line
    }

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
