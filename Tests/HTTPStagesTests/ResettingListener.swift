import Foundation
import Synchronization

/// A TCP listener on 127.0.0.1 that accepts connections, reads a little, and closes them
/// with a reset (SO_LINGER 0) without answering: a server that dies mid-request.
final class ResettingListener: Sendable {
    let port: Int
    private let descriptor = Mutex<Int32>(-1)
    private let running = Atomic<Bool>(false)

    init(port: Int) { self.port = port }

    /// Starts accepting on a thread; the returned counter counts connections reset.
    func start() -> AcceptCounter {
        let counter = AcceptCounter()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
        listen(listener, 16)
        descriptor.withLock { $0 = listener }
        running.store(true, ordering: .relaxed)
        Thread.detachNewThread { [self] in
            while running.load(ordering: .relaxed) {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 512)
                _ = read(client, &buffer, buffer.count)
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                close(client)
                counter.increment()
            }
        }
        return counter
    }

    /// Stops accepting and frees the port.
    func stop() {
        running.store(false, ordering: .relaxed)
        let listener = descriptor.withLock { $0 }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// Connections the listener reset so far.
final class AcceptCounter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }
}
