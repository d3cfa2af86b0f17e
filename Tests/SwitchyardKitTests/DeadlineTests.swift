import Foundation
import Synchronization
import Testing

@testable import SwitchyardKit

@Suite("Deadline")
struct DeadlineTests {
    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test("fires once after its duration; a cancelled one never fires")
    func firesUnlessCancelled() async throws {
        let fired = Count()
        let cancelled = Count()
        let kept = Deadline(after: .milliseconds(20)) { fired.value.add(1, ordering: .relaxed) }
        let dropped = Deadline(after: .milliseconds(20)) { cancelled.value.add(1, ordering: .relaxed) }
        dropped.cancel()
        for _ in 0..<500 where fired.value.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(fired.value.load(ordering: .relaxed) == 1)
        #expect(cancelled.value.load(ordering: .relaxed) == 0)
        kept.cancel()  // after firing: nothing happens
        #expect(fired.value.load(ordering: .relaxed) == 1)
    }
}
