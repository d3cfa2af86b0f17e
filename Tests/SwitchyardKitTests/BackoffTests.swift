import Testing
import SwitchyardKit

@Suite("reconnect backoff")
struct BackoffTests {
    @Test("grows by the multiplier up to the cap, within the jitter, and resets")
    func schedule() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0.2)
        let delays = (0..<6).map { _ in backoff.next() }
        let expected: [Double] = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
        for (delay, base) in zip(delays, expected) {
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            #expect(seconds >= base * 0.8 - 0.001 && seconds <= base * 1.2 + 0.001, "\(seconds) vs \(base)")
        }
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(121))
        #expect(backoff.longest() >= .milliseconds(799))
    }

    @Test("thousands of attempts stay at the cap")
    func manyAttempts() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(60), multiplier: 2, jitter: 0)
        for _ in 0..<5000 { _ = backoff.next() }
        #expect(backoff.next() == .seconds(60))
    }
}
