import ArgumentParser
import Foundation
import SwitchyardKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `switchyard top [PIPELINE.yaml] [--api ADDRESS]`: per stage, events/s, totals, drops, errors,
/// buffer fill and connection state of a running pipeline, refreshed every second.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Watch a running pipeline's stages: events/s in and out, totals, drops, errors, buffers (through its API).",
        discussion: "On a terminal the screen is redrawn; otherwise each refresh prints one line per stage."
    )

    @Argument(help: "The pipeline file (unless --api is given).")
    var pipeline: String?

    @ArgumentParser.Option(name: .long, help: "The API's HOST:PORT, instead of reading it from the pipeline file.")
    var api: String?

    @ArgumentParser.Option(name: .long, help: "Time between refreshes, such as 1s or 500ms.")
    var interval: String = "1s"

    @ArgumentParser.Option(name: .long, help: "Stop after this many refreshes (default: until interrupted).")
    var iterations: Int?

    func run() async throws {
        guard let every = ConfigDuration(parsing: interval)?.duration, every > .zero else {
            throw ValidationError("--interval: expected a duration such as 1s or 500ms, found \"\(interval)\"")
        }
        let client: APIClient
        do {
            client = try APIClient(address: api, pipelineFile: pipeline)
        } catch {
            FileHandle.standardError.write(Data("top: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let isTerminal = isatty(1) == 1
        var previous: (sample: TopSample, at: ContinuousClock.Instant)?
        var refreshes = 0
        while iterations.map({ refreshes < $0 }) ?? true {
            if refreshes > 0 { try await Task.sleep(for: every) }
            refreshes += 1
            let now = ContinuousClock.now
            let screen: String
            do {
                let sample = try TopSample(health: try await client.get("/health"))
                let seconds = previous.map { ($0.at.duration(to: now)).seconds } ?? 0
                screen = sample.render(since: previous?.sample, seconds: seconds, address: client.baseURL, forTerminal: isTerminal)
                previous = (sample, now)
            } catch {
                screen = "top: \(error)\n"
            }
            let text = (isTerminal ? "\u{1B}[H\u{1B}[2J" : "") + screen
            // A closed standard output (`| head`) ends top.
            guard (try? FileDescriptorWriter.writeAll(Array(text.utf8), to: 1, target: "standard output")) != nil else { return }
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
