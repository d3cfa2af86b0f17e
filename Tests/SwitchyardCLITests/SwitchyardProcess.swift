import Foundation

/// Runs the real `switchyard` binary (built next to the tests) as a child process.
struct SwitchyardProcess {
    /// The binary: `$SWITCHYARD_BIN`, or `switchyard` in the test bundle's build directory.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SWITCHYARD_BIN"] { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the test runner is `<build>/<package>PackageTests.xctest`; on macOS it is inside a bundle.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("switchyard").path),
            directory.pathComponents.count > 1
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("switchyard").path
    }

    /// The repository root (for `pipelines/`).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let stdinPipe = Pipe()

    /// Starts `executable` (the `switchyard` binary unless given) with `arguments`; with
    /// `stderrFile`, standard error goes to that file (to watch the log while it runs).
    init(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
         executable: String = SwitchyardProcess.binary, stderrFile: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = stdoutPipe
        if let stderrFile {
            FileManager.default.createFile(atPath: stderrFile, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrFile)
            try? stderrPipe.fileHandleForWriting.close()
        } else {
            process.standardError = stderrPipe
        }
        process.standardInput = stdinPipe
        try process.run()
    }

    /// Runs to completion; returns (exit status, stdout, stderr).
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                    input: String? = nil, executable: String = SwitchyardProcess.binary) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let child = try SwitchyardProcess(arguments, environment: environment, directory: directory, executable: executable)
        if let input { child.write(input) }
        child.closeInput()
        return child.finish()
    }

    func write(_ text: String) { stdinPipe.fileHandleForWriting.write(Data(text.utf8)) }

    /// Reads standard output up to its first newline (blocks).
    func firstLine() -> String {
        var line = Data()
        while case let byte = stdoutPipe.fileHandleForReading.readData(ofLength: 1), !byte.isEmpty, byte.first != 0x0A {
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    func closeInput() { try? stdinPipe.fileHandleForWriting.close() }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The child's pid.
    var processIdentifier: Int32 { process.processIdentifier }

    /// Reads all output and waits for the exit. Blocks (on purpose: no task of the shared pool is needed).
    func finish() -> (status: Int32, stdout: String, stderr: String) {
        // Read stderr on another thread so that a full stderr pipe cannot block the child.
        let errors = DataBox()
        let group = DispatchGroup()
        let reader = stderrPipe.fileHandleForReading
        DispatchQueue.global().async(group: group) { errors.data = reader.readDataToEndOfFile() }
        let output = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self),
                String(decoding: errors.data, as: UTF8.self))
    }
}

/// Bytes handed from a reader thread to the waiting test.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// Polls `condition` every 20 ms (blocking the calling thread), for at most `seconds`.
func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

/// Runs blocking work (child processes, polling sleeps) on a thread of its own, so that the
/// shared task pool (two threads on a two-core machine) stays free for the tests running beside.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
