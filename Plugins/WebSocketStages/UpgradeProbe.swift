#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Learns the HTTP status a server gives a WebSocket upgrade, after swift-websocket reported
/// only "upgrade failed": one plain request with the same upgrade headers, read up to its
/// status line. ws:// only (wss:// keeps the generic message); bounded by `timeout`.
enum UpgradeProbe {
    /// The status code and reason phrase, or nil if the server could not be asked.
    static func status(url: String, headers: [(String, String)], timeout: Duration) async -> (Int, String)? {
        guard url.hasPrefix("ws://") else { return nil }
        let rest = url.dropFirst("ws://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let path = rest.dropFirst(authority.count)
        let host: Substring
        let port: String
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            port = String(authority[authority.index(after: colon)...])
        } else {
            host = authority
            port = "80"
        }
        var request = "GET \(path.isEmpty ? "/" : path) HTTP/1.1\r\nHost: \(authority)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: c3dpdGNoeWFyZHByb2JlMQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let message = request
        let hostName = String(host.filter { $0 != "[" && $0 != "]" })
        // Blocking socket calls: on a thread of their own, never on the shared task pool.
        return await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: exchange(host: hostName, port: port, request: message, timeout: timeout))
            }.start()
        }
    }

    private static func exchange(host: String, port: String, request: String, timeout: Duration) -> (Int, String)? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &found) == 0, let address = found else { return nil }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else { return nil }
        let sent = request.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 512)
        var received = 0
        while received < buffer.count {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + received, $0.count - received, 0) }
            if count <= 0 { break }
            received += count
            if buffer[..<received].contains(0x0A) { break }
        }
        let line = String(decoding: buffer[..<received].prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else { return nil }
        return (status, parts.count > 2 ? String(parts[2]) : "")
    }
}
