import Foundation
import Logging
import NIOCore
import SwitchyardKit
import WSClient

/// The one task that reads a connection's socket: it turns frames into events for
/// the buffer and hands replies and control messages to the mailbox.
struct WebSocketReader {
    let mode: WebSocketProtocol
    let decoding: WebSocketDecoding
    let sourceID: String
    let mailbox: CommandMailbox
    let subscriptions: SubscriptionIDs
    let buffer: InboundBuffer
    let health: ConnectionHealth
    let metrics: StageMetrics
    let logger: Logger

    /// Reads until the socket ends (then throws ``WebSocketSourceError/closed``) or fails.
    func run(_ inbound: WebSocketInboundStream) async throws {
        health.readerStarted()
        defer { health.readerEnded() }
        let parser = JSONParser()
        for try await message in inbound.messages(maxSize: 64 << 20) {
            let text: String
            switch message {
            case .text(let string): text = string
            case .binary(let bytes): text = String(buffer: bytes)
            }
            let metadata = EventMetadata(sourceID: sourceID, receivedAt: Date().timeIntervalSince1970)
            var events: [Event] = []
            if mode == .raw {
                if decoding == .text {
                    events.append(Event(value: ["message": .string(text)], metadata: metadata))
                } else if let value = try? parser.parse(text) {
                    events.append(Event(value: value, metadata: metadata))
                } else {
                    metrics.addErrors(1)
                    logger.warning("skipped a frame that is not JSON")
                }
            } else {
                guard let value = try? parser.parse(text) else {
                    metrics.addErrors(1)
                    logger.warning("skipped a frame that is not JSON")
                    continue
                }
                // A coalesced frame is an array of messages.
                let messages: [JSONValue] = if case .array(let list) = value { list } else { [value] }
                for message in messages { try dispatch(message, metadata: metadata, into: &events) }
            }
            guard !events.isEmpty else { continue }
            health.received(events.count)
            let dropped = await buffer.push(events)
            if dropped > 0 {
                metrics.addDropped(dropped)
                health.update { $0.dropped += dropped }
            }
        }
        throw WebSocketSourceError.closed
    }

    private func dispatch(_ message: JSONValue, metadata: EventMetadata, into events: inout [Event]) throws {
        let id: Int? = if case .int(let number)? = message["id"] { Int(number) } else { nil }
        switch message["type"]?.stringValue {
        case "event":
            guard let id, subscriptions.contains(id), case .object? = message["event"] else {
                logger.debug("ignored an event for no subscription of this connection")
                return
            }
            events.append(Event(value: message["event"]!, metadata: metadata))
        case "result", "pong":
            if let id { mailbox.deliverReply(id: id, message) }
        case "auth_invalid":
            // Ends the connection here, so the refusal (not the close that follows it) is the reason given.
            throw WebSocketSourceError.authInvalid(message["message"]?.stringValue ?? "invalid access token")
        case "auth_required", "auth_ok":
            mailbox.deliverControl(message)
        default:
            logger.debug("ignored a message of type \(message["type"].map(JSONWriter.string) ?? "none")")
        }
    }
}
