import Dispatch

/// A one-shot timer for a timeout that usually does not fire: `action` runs once `duration`
/// has passed, unless ``cancel()`` came first, and a cancelled deadline is freed at once.
///
/// Not `Task.sleep` in a task cancelled when the work ends early: on Linux the sleep's timer
/// stays queued, with about 700 bytes, until its original deadline. Per request or per event
/// that holds memory in proportion to the rate times the timeout (an `http_server` took 30 MB
/// more for every 10 s of empty POSTs under its 30 s body timeout).
public final class Deadline: @unchecked Sendable {
    // A dispatch source is safe to cancel from any thread.
    private let timer: any DispatchSourceTimer

    /// Arms the deadline.
    public init(after duration: Duration, _ action: @escaping @Sendable () -> Void) {
        // In seconds as a Double: exact enough for a timeout, and no overflow for long ones.
        let seconds = max(0, Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18)
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + seconds)
        timer.setEventHandler(handler: action)
        timer.resume()
    }

    /// Disarms it (if it has not fired yet) and frees its timer.
    public func cancel() {
        timer.cancel()
    }

    deinit {
        timer.cancel()
    }
}
