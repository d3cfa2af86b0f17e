import Foundation
import Logging
import Synchronization
import SwitchyardKit
#if canImport(Glibc)
import Glibc
#endif

/// One run of a stage's program: spawned with `posix_spawnp` in a process group of its own,
/// stdout read line by line into a bounded ``LineQueue``, stderr logged line by line, stdin
/// written by a ``PipeWriter``, and reaped by a thread blocked in `waitpid`, so no zombie is left.
///
/// Foundation's `Process` was not used: it cannot put the child in its own process group (so
/// the grandchildren of a shell script would outlive a kill), cannot reset the signal mask and
/// dispositions the child inherits (a pipeline blocks SIGTERM in its threads and ignores
/// SIGPIPE), and leaves the closing of the pipes' child ends ambiguous.
final class ChildProcess: Sendable {
    /// The child's process id (and its process group's).
    let pid: pid_t
    /// Lines the program wrote to stdout.
    let output: LineQueue
    /// The program's stdin.
    let input: PipeWriter
    private let exit = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not declare; nil where it is missing.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Starts `command` (looked up in PATH).
    /// - Parameters:
    ///   - maxLineBytes: longer stdout lines are cut to this length (and so fail to parse).
    init(command: [String], logger: Logger, outputCapacity: Int, inputCapacity: Int, maxLineBytes: Int) throws {
        ChildProcess.ignoreSIGPIPE
        let stdinPipe = try Self.makePipe(), stdoutPipe = try Self.makePipe(), stderrPipe = try Self.makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // Nothing else this process has open reaches the program: a descriptor inherited from
        // our own parent (the write end of its pipe, say) would otherwise be held open by the
        // program, and by anything it starts, after this process has exited.
        _ = Self.closeFrom?(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (so a kill reaches its children too), no blocked signals, and
        // default dispositions for the signals this process handles or ignores.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var spawned: pid_t = 0
        let result = posix_spawnp(&spawned, command[0], &actions, &attributes, arguments, environ)
        let pid = spawned
        for descriptor in [stdinPipe[0], stdoutPipe[1], stderrPipe[1]] { Glibc.close(descriptor) }
        guard result == 0 else {
            for descriptor in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] { Glibc.close(descriptor) }
            throw ExecError("cannot start \(command[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        ChildProcessGroups.started(pid)
        output = LineQueue(capacity: outputCapacity)
        input = PipeWriter(descriptor: stdinPipe[1], capacity: inputCapacity)
        let output = output
        let (stdoutDescriptor, stderrDescriptor) = (stdoutPipe[0], stderrPipe[0])
        Self.thread("exec-stdout") {
            LineReader.read(stdoutDescriptor, maxLineBytes: maxLineBytes) { output.put($0) }
            output.finish()
        }
        Self.thread("exec-stderr") {
            LineReader.read(stderrDescriptor, maxLineBytes: 4096) { line in
                logger.warning("stderr: \(String(decoding: line, as: UTF8.self))", metadata: ["pid": "\(pid)"])
                return true
            }
        }
        Self.thread("exec-wait") { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            ChildProcessGroups.ended(pid)
            let waiters = exit.withLock { exit -> [CheckedContinuation<Int32, Never>] in
                exit.status = status
                defer { exit.waiters = [] }
                return exit.waiters
            }
            waiters.forEach { $0.resume(returning: status) }
        }
    }

    /// Whether the program has exited (and was reaped).
    var hasExited: Bool { exit.withLock { $0.status != nil } }

    /// Waits for the program to exit; returns its wait status.
    func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = exit.withLock { exit -> Int32? in
                if exit.status == nil { exit.waiters.append(continuation) }
                return exit.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Whether the program exited within `limit`.
    func exited(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !hasExited, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return hasExited
    }

    /// Sends `signal` to the program's process group.
    func signal(_ signal: Int32) {
        if !hasExited { Glibc.kill(-pid, signal) }
    }

    /// Ends the program: end of file on stdin, `grace` to exit, then SIGTERM, `grace` again, then SIGKILL.
    func stop(grace: Duration) async {
        input.close()
        if await exited(within: grace) { return }
        signal(SIGTERM)
        if await exited(within: grace) { return }
        signal(SIGKILL)
        _ = await exitStatus()
    }

    /// Kills the program at once (a hang, a shutdown that cannot wait) and stops listening to it.
    func kill() {
        signal(SIGKILL)
        input.close()
        output.finish()
    }

    /// A wait status as words: `exit status 3`, `killed by signal 9`.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exit status \((status >> 8) & 0xff)" : "killed by signal \(signal)"
    }

    private static let ignoreSIGPIPE: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

    /// A pipe whose descriptors close on exec (the child gets only the ends dup2'd to 0, 1, 2).
    private static func makePipe() throws -> [Int32] {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { throw ExecError("cannot make a pipe: \(String(cString: strerror(errno)))") }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return descriptors
    }

    private static func thread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }
}

/// Reads a descriptor to its end, handing over each line (without its newline) cut to `maxLineBytes`.
enum LineReader {
    /// Calls `line` for each line until end of file, or until it returns false; then closes `descriptor`.
    static func read(_ descriptor: Int32, maxLineBytes: Int, line: ([UInt8]) -> Bool) {
        defer { Glibc.close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var current: [UInt8] = []
        var overlong = false
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            var start = 0
            for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
                append(buffer[start..<index], to: &current, overlong: &overlong, limit: maxLineBytes)
                guard line(current) else { return }
                current.removeAll(keepingCapacity: true)
                overlong = false
                start = index + 1
            }
            append(buffer[start..<count], to: &current, overlong: &overlong, limit: maxLineBytes)
        }
        if !current.isEmpty { _ = line(current) }
    }

    private static func append(_ bytes: ArraySlice<UInt8>, to current: inout [UInt8], overlong: inout Bool, limit: Int) {
        guard !overlong else { return }
        if current.count + bytes.count > limit {
            current.append(contentsOf: bytes.prefix(limit - current.count))
            overlong = true
        } else {
            current.append(contentsOf: bytes)
        }
    }
}

/// A program that could not be started or spoken to.
struct ExecError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
