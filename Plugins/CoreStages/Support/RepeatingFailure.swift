/// A failure that may repeat many times a second (a checkpoint that cannot be saved, tried
/// every 100 ms on a full disk): worth a log line the first time, then at most once per
/// ``interval`` with the count so far, and once more when it stops.
struct RepeatingFailure: Sendable {
    let interval: Duration
    /// Failures since the last success.
    private(set) var failures = 0
    private var lastLogged: ContinuousClock.Instant?

    init(interval: Duration) {
        self.interval = interval
    }

    /// Records a failure at `now`; returns the count of failures so far when this one should
    /// be logged, nil when it should not.
    mutating func failed(at now: ContinuousClock.Instant = .now) -> Int? {
        failures += 1
        if let lastLogged, now - lastLogged < interval { return nil }
        lastLogged = now
        return failures
    }

    /// Records a success; returns how many failures it ended (0: there is nothing to log).
    mutating func succeeded() -> Int {
        defer { (failures, lastLogged) = (0, nil) }
        return failures
    }
}
