import Logging
import Synchronization
import SwitchyardKit
import Testing

/// `pauseUnlessStopping`: the wait a stage uses to retry a failure until the pipeline stops.
@Suite("stage context: pausing until the stop")
struct StageContextPauseTests {
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test("it sleeps the whole pause while the pipeline runs, and ends early (within a 100 ms step) once it stops")
    func pauseEndsAtTheStop() async throws {
        let stopping = Flag()
        let context = StageContext(id: "s", typeName: "t", logger: Logger(label: "test")) { stopping.value.load(ordering: .relaxed) }
        #expect(try await context.pauseUnlessStopping(for: .milliseconds(250)) == .milliseconds(250))
        stopping.value.store(true, ordering: .relaxed)
        #expect(try await context.pauseUnlessStopping(for: .seconds(30)) == .zero, "stopping already: no sleep at all")
        stopping.value.store(false, ordering: .relaxed)
        let pause = Task { try await context.pauseUnlessStopping(for: .seconds(30)) }
        stopping.value.store(true, ordering: .relaxed)
        #expect(try await pause.value <= .milliseconds(100), "the stop ends the pause at the next step")
    }
}
