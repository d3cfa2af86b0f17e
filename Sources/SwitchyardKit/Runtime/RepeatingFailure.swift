/// A failure that may repeat many times a second (a checkpoint that cannot be saved, tried
/// every 100 ms on a full disk): worth a log line the first time, then at most once per
/// ``interval`` with the count so far, and once more when it stops.
public struct RepeatingFailure: Sendable {
    /// The least time between two logged failures.
    public let interval: Duration
    /// Failures since the last success.
    public private(set) var failures = 0
    private var lastLogged: ContinuousClock.Instant?

    /// Failures to be logged at most once per `interval`.
    public init(interval: Duration) {
        self.interval = interval
    }

    /// Records a failure at `now`; returns the count of failures so far when this one should
    /// be logged, nil when it should not.
    public mutating func failed(at now: ContinuousClock.Instant = .now) -> Int? {
        failures += 1
        if let lastLogged, now - lastLogged < interval { return nil }
        lastLogged = now
        return failures
    }

    /// Records a success; returns how many failures it ended (0: there is nothing to log).
    public mutating func succeeded() -> Int {
        defer { (failures, lastLogged) = (0, nil) }
        return failures
    }

    /// What to add to a logged failure's message when it is not the first.
    public static func note(_ failures: Int) -> String {
        failures > 1 ? " (\(failures) times so far; logged at most once a minute)" : ""
    }
}
