import SwitchyardKit

/// `restart: { initial_delay, max_delay }`: how a program that exited or hung is started again.
struct RestartOptions: OptionGroup {
    @Option("The wait before the first restart.")
    var initial_delay = ConfigDuration(.seconds(1))
    @Option("The longest wait; each restart without an answer in between doubles the wait up to it.")
    var max_delay = ConfigDuration(.seconds(30))

    init() {}
}

/// Checks shared by the exec stages' options.
enum ExecOptionChecks {
    /// The most lines a program may have in flight.
    static let maximumWindow = 100_000

    static func problems(command: [String], window: Int?, maxLineBytes: ConfigByteSize) -> [OptionProblem] {
        var problems: [OptionProblem] = []
        if command.isEmpty || command[0].isEmpty { problems.append(OptionProblem(option: "command", "needs the program, e.g. [python3, enrich.py]")) }
        if let window, window < 1 { problems.append(OptionProblem(option: "window", "must be at least 1")) }
        // The pipe buffers are sized from it (4 KiB a line): a window near Int.max overflowed.
        if let window, window > maximumWindow { problems.append(OptionProblem(option: "window", "must be at most \(maximumWindow)")) }
        if maxLineBytes.bytes < 2 { problems.append(OptionProblem(option: "max_line_bytes", "must be at least 2 bytes")) }
        return problems
    }

    static let commandHelp = "The program and its arguments, e.g. [python3, scripts/enrich.py]; looked up in PATH. It runs in a process group of its own, with only stdin, stdout and stderr open; its stderr is logged line by line."
    static let stopTimeoutHelp = "At shutdown the program gets end of file on stdin and this long to exit, then SIGTERM and this long again, then SIGKILL."
    static let maxLineBytesHelp = "A longer line from the program is cut here (and so is not valid JSON): its memory is bounded."
}
