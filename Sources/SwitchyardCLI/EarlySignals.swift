#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Records SIGINT/SIGTERM from the first moment of `switchyard run`, before the pipeline
/// and its signal handling exist, so that an early signal still means "drain and stop".
public enum EarlySignals {
    private static let received = Atomic<Int32>(0)

    /// Catches SIGINT and SIGTERM into a flag (call first thing in `main`).
    public static func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in EarlySignals.received.store(number, ordering: .relaxed) }
        }
    }

    /// The signal caught before the real handling took over, if any.
    static var pending: Int32? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }
}
