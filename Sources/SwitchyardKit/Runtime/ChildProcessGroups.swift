import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process groups of the programs this process runs (the `exec` stages start each in a
/// group of its own), so that exiting at once, on a second signal, ends them too instead of
/// leaving them running without a reader or a writer.
public enum ChildProcessGroups {
    private static let groups = Mutex<Set<pid_t>>([])

    /// A program was started as the leader of process group `group`.
    public static func started(_ group: pid_t) {
        _ = groups.withLock { $0.insert(group) }
    }

    /// The leader of `group` was reaped.
    public static func ended(_ group: pid_t) {
        _ = groups.withLock { $0.remove(group) }
    }

    /// Sends SIGKILL to every group whose leader has not been reaped: the process is about to
    /// exit without stopping its stages.
    public static func killAll() {
        for group in groups.withLock({ $0 }) { kill(-group, SIGKILL) }
    }
}
