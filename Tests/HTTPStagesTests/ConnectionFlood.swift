import Foundation
import Synchronization
import SwitchyardTesting

/// Opens connections to a port as fast as one thread can, each sending half a request head
/// and kept open, until ``finish()`` or `limit` connections.
final class ConnectionFlood: Sendable {
    private struct State {
        var descriptors: [Int32] = []
        var stopped = false
        var done: CheckedContinuation<Int, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    init(port: Int, limit: Int) {
        Thread { [self] in
            while let descriptor = LoopbackSocket.connect(port) {
                _ = "POST /events HTTP/1.1\r\nHost: x\r\n".withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                let more = state.withLock { state in
                    state.descriptors.append(descriptor)
                    return !state.stopped && state.descriptors.count < limit
                }
                if !more { break }
            }
            let waiter = state.withLock { state in
                state.finished = true
                return state.done.take()
            }
            waiter?.resume(returning: opened)
        }.start()
    }

    /// Connections opened so far.
    var opened: Int { state.withLock { $0.descriptors.count } }

    /// Waits until `count` connections are open (or the flood ended).
    func waitUntil(opened count: Int) async {
        while state.withLock({ $0.descriptors.count < count && !$0.finished }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Stops the flood, closes its connections and returns how many it opened.
    func finish() async -> Int {
        let opened = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            let finished = state.withLock { state in
                state.stopped = true
                if !state.finished { state.done = continuation }
                return state.finished
            }
            if finished { continuation.resume(returning: self.opened) }
        }
        state.withLock { state in
            state.descriptors.forEach { close($0) }
            state.descriptors.removeAll()
        }
        return opened
    }
}
