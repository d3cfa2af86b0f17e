import Testing

import SwitchyardKit

/// A failure tried every 100 ms (a checkpoint on a full disk) must not flood the log.
@Suite("repeating failures are logged sparingly")
struct RepeatingFailureTests {
    @Test("the first failure is logged, then one a minute with the count; a success reports how many it ended, and the next failure is logged at once")
    func sparingly() {
        var failure = RepeatingFailure(interval: .seconds(60))
        let start = ContinuousClock.now
        // Ten a second for two and a half minutes.
        var logged: [Int] = []
        for tick in 0..<1_500 {
            if let count = failure.failed(at: start + .milliseconds(100 * tick)) { logged.append(count) }
        }
        #expect(logged == [1, 601, 1_201], "at 0 s, 60 s and 120 s, each with the count so far")
        #expect(failure.succeeded() == 1_500)
        #expect(failure.succeeded() == 0, "nothing more to report")
        #expect(failure.failed(at: start + .seconds(151)) == 1, "a new run of failures starts afresh")
        #expect(RepeatingFailure.note(1) == "", "the first line says nothing of repeats")
        #expect(RepeatingFailure.note(601) == " (601 times so far; logged at most once a minute)")
    }
}
