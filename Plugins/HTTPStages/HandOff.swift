import Synchronization

/// A value passed to a task that takes it once: the task's closure then no longer holds it.
final class HandOff<Value: Sendable>: Sendable {
    private let value: Mutex<Value?>

    init(_ value: Value) { self.value = Mutex(value) }

    /// The value; traps if it was taken already.
    func take() -> Value {
        value.withLock { $0.take()! }
    }
}
