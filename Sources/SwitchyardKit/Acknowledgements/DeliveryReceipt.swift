import Synchronization

/// A sink's hold on the acknowledgement tokens of the batches it received: resolve it
/// with ``acknowledge()`` once those events are durable, or ``fail()`` if they cannot be.
///
/// Take one from ``SinkInput/receipt()``. A receipt that is dropped unresolved fails its
/// batches, so a forgotten receipt can never count as a delivery.
public final class DeliveryReceipt: Sendable {
    private let tokens: Mutex<[Acknowledgement]?>

    init(_ tokens: [Acknowledgement]) {
        self.tokens = Mutex(tokens)
    }

    /// A receipt that covers nothing.
    public static var empty: DeliveryReceipt { DeliveryReceipt([]) }

    /// Whether the receipt covers any batch that asked for an acknowledgement.
    public var isEmpty: Bool { tokens.withLock { $0?.isEmpty ?? true } }

    /// A second, independent receipt for the same batches (a sink that splits a batch over
    /// several writes resolves one copy per write; the batches are done when all are).
    public func copy() -> DeliveryReceipt {
        let held = tokens.withLock { $0 ?? [] }
        held.forEach { $0.retain() }
        return DeliveryReceipt(held)
    }

    /// The covered events are durable.
    public func acknowledge() {
        resolve(failed: false)
    }

    /// The covered events could not be made durable.
    public func fail() {
        resolve(failed: true)
    }

    private func resolve(failed: Bool) {
        let held = tokens.withLock { tokens -> [Acknowledgement] in
            defer { tokens = nil }
            return tokens ?? []
        }
        for token in held {
            if failed { token.markFailed() }
            token.release()
        }
    }

    deinit { resolve(failed: true) }
}
