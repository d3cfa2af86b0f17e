import Logging
import ServiceLifecycle
import SwitchyardKit
import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT/SIGTERM for `switchyard run`: the first asks the service group to shut down
/// gracefully (the pipeline drains), a second exits at once with `128 + signal`, killing the
/// programs the exec stages run (``ChildProcessGroups``). A signal
/// that came while the process started (``EarlySignals``) counts as the first.
struct SignalEscalation: Service {
    let logger: Logger
    let shutDown: @Sendable () async -> Void

    func run() async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var received = 0
        func handle(_ number: Int32) async {
            received += 1
            if received == 1 {
                logger.notice("received signal \(number); draining (send it again to exit at once)")
                await shutDown()
            } else {
                logger.warning("received signal \(number) again; exiting without draining")
                ChildProcessGroups.killAll()
                _exit(128 + number)
            }
        }
        for number in EarlySignals.pending { await handle(number) }
        for await signal in signals.cancelOnGracefulShutdown() {
            await handle(signal.rawValue)
        }
    }
}
