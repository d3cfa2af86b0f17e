import NIOCore

/// One message from a NATS server, as the client protocol defines it.
enum NATSServerOperation: Sendable {
    case info([UInt8])
    case message(NATSMessage)
    case ping
    case pong
    case ok
    case error(String)
}

/// Splits the server's byte stream into operations (`INFO`, `MSG`, `HMSG`, `PING`, `PONG`,
/// `+OK`, `-ERR`). A control line longer than `maximumControlLine` or a payload larger than
/// `maximumPayload` is a protocol error, so a hostile server cannot exhaust memory.
struct NATSOperationDecoder: ByteToMessageDecoder {
    typealias InboundOut = NATSServerOperation

    static let maximumControlLine = 64 * 1024
    let maximumPayload: Int

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maximumControlLine { throw NATSError.protocolViolation("a control line longer than 64 KiB") }
            return .needMoreData
        }
        var lineEnd = newline
        if lineEnd > view.startIndex, view[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        let line = String(decoding: view[view.startIndex..<lineEnd], as: UTF8.self)
        let lineLength = newline - view.startIndex + 1
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let verb = fields.first?.uppercased() else {
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .continue
        }
        switch verb {
        case "MSG", "HMSG":
            let hasHeaders = verb == "HMSG"
            let counts = hasHeaders ? 2 : 1
            guard fields.count == 3 + counts || fields.count == 4 + counts,
                  let total = Int(fields[fields.count - 1]), total >= 0, total <= maximumPayload
            else { throw NATSError.protocolViolation("a malformed \(verb) line: \(line.prefix(200))") }
            let headerBytes = hasHeaders ? Int(fields[fields.count - 2]) ?? -1 : 0
            guard headerBytes >= 0, headerBytes <= total else { throw NATSError.protocolViolation("a malformed \(verb) line") }
            guard view.count >= lineLength + total + 2 else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: lineLength)
            let headerBlock = buffer.readBytes(length: headerBytes) ?? []
            let payload = buffer.readBytes(length: total - headerBytes) ?? []
            buffer.moveReaderIndex(forwardBy: 2)
            let reply = fields.count == 4 + counts ? String(fields[3]) : nil
            var message = NATSMessage(subject: String(fields[1]), replyTo: reply, payload: payload)
            message.subscriptionID = String(fields[2])
            if hasHeaders { message.parseHeaders(headerBlock) }
            context.fireChannelRead(wrapInboundOut(.message(message)))
        case "INFO":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.info(Array(line.utf8.dropFirst(5)))))
        case "PING":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.ping))
        case "PONG":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.pong))
        case "+OK":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.ok))
        case "-ERR":
            buffer.moveReaderIndex(forwardBy: lineLength)
            let message = line.dropFirst(4).trimmingCharacters(in: " '")
            context.fireChannelRead(wrapInboundOut(.error(message)))
        default:
            throw NATSError.protocolViolation("not a NATS server: it sent \"\(line.prefix(80))\"")
        }
        return .continue
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return String(text)
    }
}
