import Foundation
import Synchronization

/// A TCP server on 127.0.0.1 that accepts connections and reads them but never answers:
/// a server frozen after the TCP handshake (or, with `answer`, one that answers every
/// request with those bytes and closes). Counts the connections open at once.
final class StallingListener: Sendable {
    struct Record: Sendable {
        var accepted = 0
        var open = 0
        var maxOpen = 0
        var closedByClient = 0
        var acceptedAt: [ContinuousClock.Instant] = []
        var closedAt: [ContinuousClock.Instant] = []
    }

    let port: Int
    private let listener: Int32
    private let record = Mutex(Record())
    private let stopped = Atomic<Bool>(false)
    private let answer: String?

    init(answer: String? = nil) {
        self.answer = answer
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                _ = bind(descriptor, generic, length)
                _ = getsockname(descriptor, generic, &length)
            }
        }
        listen(descriptor, 16)
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in self.serve() }.start()
    }

    var snapshot: Record { record.withLock { $0 } }

    /// A port nobody listens on right now.
    static func freePort() -> Int {
        let listener = StallingListener()
        defer { listener.stop() }
        return listener.port
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        var clients: [Int32] = []
        while !stopped.load(ordering: .relaxed) {
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
                + clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), 50) > 0 else { continue }
            if descriptors[0].revents != 0 {
                let client = accept(listener, nil, nil)
                if client >= 0 {
                    clients.append(client)
                    record.withLock { record in
                        record.accepted += 1
                        record.open += 1
                        record.maxOpen = max(record.maxOpen, record.open)
                        record.acceptedAt.append(.now)
                    }
                }
            }
            for entry in descriptors.dropFirst() where entry.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let received = recv(entry.fd, &buffer, buffer.count, 0)
                if received > 0, let answer {
                    _ = answer.withCString { send(entry.fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                    shutdown(entry.fd, Int32(SHUT_WR))
                }
                if received <= 0 {
                    close(entry.fd)
                    clients.removeAll { $0 == entry.fd }
                    record.withLock { record in
                        record.open -= 1
                        record.closedByClient += 1
                        record.closedAt.append(.now)
                    }
                }
            }
        }
        clients.forEach { close($0) }
        close(listener)
    }
}
