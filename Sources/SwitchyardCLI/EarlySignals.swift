#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Records SIGINT/SIGTERM from the first moment of `switchyard run`, before the pipeline
/// and its signal handling exist, so that an early signal still means "drain and stop".
public enum EarlySignals {
    private static let last = Atomic<Int32>(0)
    private static let count = Atomic<Int>(0)

    /// Catches SIGINT and SIGTERM into a counter (call first thing in `main`). Unblocks them
    /// too: a process started by a parent that blocks them would otherwise never see a stop.
    public static func install() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        // SIGHUP means "reload" once running; until then it must not end the process.
        signal(SIGHUP, SIG_IGN)
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                EarlySignals.last.store(number, ordering: .relaxed)
                EarlySignals.count.add(1, ordering: .relaxed)
            }
        }
    }

    /// The signals caught before the real handling took over (each one, in order of arrival).
    static var pending: [Int32] {
        Array(repeating: last.load(ordering: .relaxed), count: count.load(ordering: .relaxed))
    }
}
