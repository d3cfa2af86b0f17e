import NIOCore
import NIOEmbedded
import Testing

@testable import NATSClient

/// The server's byte stream split into operations, whatever the read boundaries, and
/// bounded against a hostile server.
@Suite("NATS operation decoder")
struct NATSOperationDecoderTests {
    static let stream = Array("""
        INFO {"server_id":"x","max_payload":1048576}\r
        PING\r
        +OK\r
        MSG a.b 1 5\r
        hello\r
        MSG a.c 2 _INBOX.9 0\r
        \r
        HMSG js.ack 3 18 23\r
        NATS/1.0\r
        K: v\r
        \r
        {"x"}\r
        HMSG _INBOX.1 _inbox 16 16\r
        NATS/1.0 503\r
        \r
        \r
        -ERR 'Permissions Violation for Publish to "x"'\r
        PONG\r

        """.utf8)

    static func decode(_ bytes: [UInt8], chunk: Int, maximumPayload: Int = 1 << 20) throws -> [NATSServerOperation] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(NATSOperationDecoder(maximumPayload: maximumPayload)))
        var operations: [NATSServerOperation] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
            while let operation = try channel.readInbound(as: NATSServerOperation.self) { operations.append(operation) }
            offset = end
        }
        return operations
    }

    static func summary(_ operation: NATSServerOperation) -> String {
        switch operation {
        case .info(let bytes): "info \(String(decoding: bytes, as: UTF8.self))"
        case .ping: "ping"
        case .pong: "pong"
        case .ok: "ok"
        case .error(let message): "error \(message)"
        case .message(let message):
            "msg \(message.subject) \(message.subscriptionID) \(message.replyTo ?? "-") \(message.status.map(String.init) ?? "-") "
                + "\(message.headers.map { "\($0.name)=\($0.value)" }) \(String(decoding: message.payload, as: UTF8.self))"
        }
    }

    @Test("the same operations whether the bytes come at once or in pieces of any size")
    func anyChunking() throws {
        let whole = try Self.decode(Self.stream, chunk: Self.stream.count).map(Self.summary)
        #expect(whole == [
            "info {\"server_id\":\"x\",\"max_payload\":1048576}",
            "ping",
            "ok",
            "msg a.b 1 - - [] hello",
            "msg a.c 2 _INBOX.9 - [] ",
            "msg js.ack 3 - - [\"K=v\"] {\"x\"}",
            "msg _INBOX.1 _inbox - 503 [] ",
            "error Permissions Violation for Publish to \"x\"",
            "pong",
        ])
        for chunk in 1...40 {
            #expect(try Self.decode(Self.stream, chunk: chunk).map(Self.summary) == whole, "chunk \(chunk)")
        }
    }

    @Test("a payload over the limit, an endless control line, a non-NATS greeting: protocol errors, nothing buffered without bound")
    func hostileServer() throws {
        #expect(throws: NATSError.self) { try Self.decode(Array("MSG a 1 2000000\r\n".utf8), chunk: 64, maximumPayload: 1 << 20) }
        #expect(throws: NATSError.self) { try Self.decode(Array(repeating: UInt8(ascii: "A"), count: 70_000), chunk: 4096) }
        #expect(throws: NATSError.self) { try Self.decode(Array("HTTP/1.1 400 Bad Request\r\n".utf8), chunk: 100) }
        #expect(throws: NATSError.self) { try Self.decode(Array("HMSG a 1 30 20\r\n".utf8), chunk: 100) }
    }
}
