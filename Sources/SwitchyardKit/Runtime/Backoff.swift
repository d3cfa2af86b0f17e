/// Capped exponential backoff with jitter: `initial * multiplier^n`, at most `maximum`, ±`jitter`:
/// for stages that reconnect or restart.
public struct Backoff: Sendable {
    /// The first delay.
    public let initial: Duration
    /// The longest delay.
    public let maximum: Duration
    /// Each delay is the previous one times this.
    public let multiplier: Double
    /// Each delay varies randomly by up to this fraction.
    public let jitter: Double
    /// How many delays were given since the last reset.
    public private(set) var attempt = 0

    /// A backoff from `initial` to `maximum`.
    public init(initial: Duration, maximum: Duration, multiplier: Double, jitter: Double) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The next delay; each call grows it until the cap.
    public mutating func next() -> Duration {
        let base = min(seconds(initial) * pow(multiplier, Double(attempt)), seconds(maximum))
        attempt += 1
        return jittered(base)
    }

    /// The longest delay (after `auth_invalid`: a server that refused the token is not hammered).
    public func longest() -> Duration { jittered(seconds(maximum)) }

    /// Back to the initial delay (after a healthy connection).
    public mutating func reset() { attempt = 0 }

    private func jittered(_ base: Double) -> Duration {
        let factor = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter)) : 1
        return .milliseconds(Int64(max(0, base * factor) * 1000))
    }

    /// `delay` ± `jitter` (a fraction).
    public static func jittered(_ delay: Duration, by jitter: Double) -> Duration {
        Backoff(initial: delay, maximum: delay, multiplier: 1, jitter: jitter).longest()
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<min(Int(exponent), 64) { result *= base }
        return result
    }
}
