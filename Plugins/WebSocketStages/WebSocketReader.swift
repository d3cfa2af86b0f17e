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
        for try await message in inbound.messages(maxSize: 64 << 20) {
            let metadata = EventMetadata(sourceID: sourceID, receivedAt: Date().timeIntervalSince1970)
            var events: [Event] = []
            if mode == .raw, decoding == .text {
                let text: String = switch message {
                case .text(let string): string
                case .binary(let bytes): String(buffer: bytes)
                }
                events.append(Event(value: ["message": .string(text)], metadata: metadata))
            } else {
                // The frame's bytes are checked once; events keep slices of them (no trees).
                let bytes: [UInt8] = switch message {
                case .text(let string): Array(string.utf8)
                case .binary(let buffer): Array(buffer: buffer)
                }
                guard let frame = try? JSONText(validating: bytes[...]) else {
                    metrics.addErrors(1)
                    logger.warning("skipped a frame that is not JSON")
                    continue
                }
                if mode == .raw {
                    events.append(frame.event(metadata: metadata))
                } else {
                    // A coalesced frame is an array of messages.
                    for message in frame.isArray ? frame.elements : [frame] {
                        try dispatch(message, metadata: metadata, into: &events)
                    }
                }
            }
            guard !events.isEmpty else { continue }
            health.received(events.count)
            await buffer.push(events)
        }
        throw WebSocketSourceError.closed
    }

    private func dispatch(_ message: JSONText, metadata: EventMetadata, into events: inout [Event]) throws {
        let id: Int? = if case .int(let number)? = message.member("id")?.value { Int(number) } else { nil }
        let type = message.member("type")?.value
        switch type?.stringValue {
        case "event":
            guard let id, subscriptions.contains(id), let event = message.member("event"), event.isObject else {
                logger.debug("ignored an event for no subscription of this connection")
                return
            }
            events.append(event.event(metadata: metadata))
        case "result", "pong":
            if let id { mailbox.deliverReply(id: id, message.value) }
        case "auth_invalid":
            // Ends the connection here, so the refusal (not the close that follows it) is the reason given.
            throw WebSocketSourceError.authInvalid(message.member("message")?.value.stringValue ?? "invalid access token")
        case "auth_required", "auth_ok":
            mailbox.deliverControl(message.value)
        default:
            logger.debug("ignored a message of type \(type.map(JSONWriter.string) ?? "none")")
        }
    }
}
