import SwitchyardKit

/// The one-answer-per-line conversation of the exec transform and of the exec sink with
/// acknowledgements: lines written at most `window` ahead of the answers, answers taken in
/// order; when the program exits or hangs, it is restarted and what it had not answered is
/// written again, the event waited on charged with the failure.
struct AnswerExchange {
    let program: ProgramSupervisor
    let window: Int
    let timeout: ConfigDuration
    let maxAttempts: Int

    /// The exchange, and the program it supervises, for a stage's options.
    init(_ options: some AnsweringProgramOptions, context: StageContext) {
        program = ProgramSupervisor(command: options.command, restart: options.restart, window: options.window,
                                    maxLineBytes: options.max_line_bytes.bytes, context: context)
        window = options.window
        timeout = options.timeout
        maxAttempts = options.max_attempts
    }

    /// Sends `events`; calls `answered(line, index)` for each answer in order, and
    /// `gaveUp(reason, index)` for an event that failed `maxAttempts` runs.
    func run(_ events: [Event], answered: (_ answer: [UInt8], _ index: Int) -> Void,
             gaveUp: (_ reason: String, _ index: Int) -> Void) async throws {
        var attempts = [Int](repeating: 0, count: events.count)
        var done = 0  // events[..<done] are answered (or given up)
        var sent = 0  // events[..<sent] were written to the current run
        while done < events.count {
            let child = try await program.running()
            while sent < events.count, sent - done < window {
                var line: [UInt8] = []
                events[sent].writeJSON(into: &line)
                line.append(UInt8(ascii: "\n"))
                guard await child.input.send(line) else { break }
                sent += 1
            }
            let reason: String
            switch await child.output.next(timeout: timeout.duration) {
            case .line(let answer):
                answered(answer, done)
                done += 1
                program.madeProgress()
                continue
            case .end:
                reason = "the program ended its output while an event waited for its answer"
            case .timedOut:
                reason = "no answer within \(timeout)"
            }
            await program.failed(reason)
            attempts[done] += 1
            if attempts[done] >= maxAttempts {
                gaveUp("\(reason), \(attempts[done]) times", done)
                done += 1
            }
            sent = done
            try Task.checkCancellation()
        }
    }
}

/// The options of a stage whose program answers each line: the exec transform, and the exec sink.
protocol AnsweringProgramOptions {
    var command: [String] { get }
    var restart: RestartOptions { get }
    var window: Int { get }
    var timeout: ConfigDuration { get }
    var max_attempts: Int { get }
    var max_line_bytes: ConfigByteSize { get }
}
