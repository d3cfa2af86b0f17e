import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import SwitchyardKit

/// One connection to a NATS server, speaking the client protocol (INFO, CONNECT, PUB, HPUB,
/// SUB, UNSUB, MSG, HMSG, PING, PONG) over SwiftNIO.
///
/// It does not reconnect by itself: the stage that owns it notices ``isClosed`` (or a thrown
/// ``NATSError/closed``) and connects again with its own backoff, then re-creates what it had.
public final class NATSConnection: Sendable {
    /// Where and how to connect.
    public struct Options: Sendable {
        /// Server URLs, `nats://host:port`; tried in order.
        public var urls: [String]
        /// User and password, if the server wants them.
        public var user: String?
        /// The password for `user`.
        public var password: String?
        /// A token, if the server wants one.
        public var token: String?
        /// A user nkey: the server's nonce is signed with it.
        public var nkey: NATSNKey?
        /// The client's name (shown by the server's monitoring).
        public var name = "switchyard"
        /// How long connecting (TCP, INFO, CONNECT, PONG) may take.
        public var connectTimeout: Duration = .seconds(5)
        /// TLS: used when set, or when the server requires it (`tls_required` in its INFO).
        public var tls: TLSConfiguration?

        /// Options for `urls` with no credentials.
        public init(urls: [String]) {
            self.urls = urls
        }
    }

    private struct State {
        var subscriptions: [String: NATSSubscription] = [:]
        var nextSubscriptionID = 1
        var pongWaiters: [CheckedContinuation<Void, any Error>] = []
        var replies: [String: ReplySlot] = [:]
        var inboxSubscribed = false
        var closedReason: NATSError?
        var handshake: CheckedContinuation<[UInt8], any Error>?
        var info: [UInt8]?
    }

    /// A request's answer: awaited, or arrived (or failed) before anyone awaited it.
    private enum ReplySlot {
        case pending
        case waiting(CheckedContinuation<NATSMessage, any Error>)
        case done(Result<NATSMessage, NATSError>)
    }

    private let state = Mutex(State())
    private let channelBox = Mutex<(any Channel)?>(nil)
    private let inboxPrefix = "_INBOX.\(UInt64.random(in: 0...UInt64.max))"
    private let nextToken = Atomic<Int>(0)
    /// The URL connected to.
    public let url: String
    private let serverMaximumPayload = Atomic<Int>(1 << 20)

    /// The largest payload the server takes (from its INFO).
    public var maximumPayload: Int { serverMaximumPayload.load(ordering: .relaxed) }

    private init(url: String) {
        self.url = url
    }

    /// Connects to the first of `options.urls` that answers and completes the handshake.
    public static func connect(_ options: Options) async throws(NATSError) -> NATSConnection {
        var lastError = NATSError.connectionFailed("no URL given")
        for url in options.urls {
            do {
                return try await connect(url: url, options: options)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(url: String, options: Options) async throws(NATSError) -> NATSConnection {
        guard let (host, port) = parse(url) else { throw .connectionFailed("'\(url)' is not a nats://HOST:PORT URL") }
        let connection = NATSConnection(url: url)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(options.connectTimeout.nanoseconds))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NATSOperationDecoder(maximumPayload: 64 << 20)))
                        try channel.pipeline.syncOperations.addHandler(NATSInboundHandler(connection: connection))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw .connectionFailed("\(host):\(port): \(error)")
        }
        connection.channelBox.withLock { $0 = channel }
        do {
            try await connection.handshake(options: options)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private func handshake(options: Options) async throws(NATSError) {
        let deadline = Task { [weak self] in
            try await Task.sleep(for: options.connectTimeout)
            self?.fail(.timeout("the handshake (INFO, CONNECT, PING) with \(self?.url ?? "")"))
        }
        defer { deadline.cancel() }
        do {
            let info = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                let ready = state.withLock { state -> Result<[UInt8], NATSError>? in
                    if let reason = state.closedReason { return .failure(reason) }
                    if let info = state.info { return .success(info) }
                    state.handshake = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
            let serverInfo = try? JSONParser().parse(info)
            if case .int(let maximum)? = serverInfo?["max_payload"] {
                serverMaximumPayload.store(Int(maximum), ordering: .relaxed)
            }
            if options.tls != nil || serverInfo?["tls_required"] == .bool(true) {
                try await startTLS(options.tls ?? .makeClientConfiguration())
            }
            var connect = JSONObject()
            connect["verbose"] = false
            connect["pedantic"] = false
            connect["headers"] = true
            connect["no_responders"] = true
            connect["name"] = .string(options.name)
            connect["lang"] = "swift"
            connect["version"] = .string(SwitchyardVersion.current)
            connect["protocol"] = 1
            if let user = options.user { connect["user"] = .string(user) }
            if let password = options.password { connect["pass"] = .string(password) }
            if let token = options.token { connect["auth_token"] = .string(token) }
            if let nkey = options.nkey {
                connect["nkey"] = .string(nkey.publicKey)
                if case .string(let nonce)? = serverInfo?["nonce"] { connect["sig"] = .string(try nkey.sign(nonce: nonce)) }
            }
            var bytes = Array("CONNECT ".utf8)
            JSONWriter.write(.object(connect), into: &bytes)
            bytes += Array("\r\n".utf8)
            try write(bytes)
            try await flush()
        } catch let error as NATSError {
            throw error
        } catch {
            throw .connectionFailed("\(error)")
        }
    }

    /// Upgrades the socket after INFO (the NATS way): everything from CONNECT on is encrypted.
    private func startTLS(_ configuration: TLSConfiguration) async throws {
        guard let channel = channelBox.withLock({ $0 }), let (host, _) = Self.parse(url) else { throw NATSError.closed }
        let context = try NIOSSLContext(configuration: configuration)
        let isAddress = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }

    /// Whether the connection has closed (then ``closeReason`` says why).
    public var isClosed: Bool { state.withLock { $0.closedReason != nil } }

    /// Why the connection closed.
    public var closeReason: NATSError? { state.withLock { $0.closedReason } }

    // MARK: - Sending

    /// Queues `bytes` (whole protocol operations) on the socket.
    func write(_ bytes: [UInt8]) throws(NATSError) {
        guard let channel = channelBox.withLock({ $0 }), !isClosed else { throw closeReason ?? .closed }
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// Publishes `payload` to `subject` (with `headers`, if any), without waiting.
    public func publish(_ subject: String, payload: [UInt8], replyTo: String? = nil,
                        headers: [(name: String, value: String)] = []) throws(NATSError) {
        var bytes: [UInt8] = []
        Self.encodePublish(subject, payload: payload, replyTo: replyTo, headers: headers, into: &bytes)
        try write(bytes)
    }

    /// Publishes each `(subject, payload)` in one write (acknowledgements of a whole batch, say).
    public func publish(all messages: [(subject: String, payload: [UInt8])]) throws(NATSError) {
        guard !messages.isEmpty else { return }
        var bytes: [UInt8] = []
        for (subject, payload) in messages {
            Self.encodePublish(subject, payload: payload, replyTo: nil, headers: [], into: &bytes)
        }
        try write(bytes)
    }

    /// Appends one PUB (or HPUB) operation to `bytes`.
    static func encodePublish(_ subject: String, payload: [UInt8], replyTo: String?, headers: [(name: String, value: String)],
                              into bytes: inout [UInt8]) {
        let reply = replyTo.map { " " + $0 } ?? ""
        if headers.isEmpty {
            bytes += Array("PUB \(subject)\(reply) \(payload.count)\r\n".utf8)
        } else {
            let block = NATSMessage.headerBlock(headers)
            let headerBytes = block.utf8.count
            bytes += Array("HPUB \(subject)\(reply) \(headerBytes) \(headerBytes + payload.count)\r\n\(block)".utf8)
        }
        bytes += payload
        bytes += [0x0D, 0x0A]
    }

    /// Waits until the server has processed everything sent before (PING, then its PONG).
    public func flush(timeout: Duration = .seconds(10)) async throws(NATSError) {
        let deadline = Deadline(after: timeout) { [weak self] in self?.failPongWaiters(.timeout("PING")) }
        defer { deadline.cancel() }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let closed = state.withLock { state -> NATSError? in
                    if let reason = state.closedReason { return reason }
                    state.pongWaiters.append(continuation)
                    return nil
                }
                if let closed { continuation.resume(throwing: closed) } else { try? write(Array("PING\r\n".utf8)) }
            }
        } catch let error as NATSError {
            throw error
        } catch {
            throw .closed
        }
    }

    // MARK: - Subscribing

    /// Subscribes to `subject` (in queue group `queue`, if given); at most `buffer` messages wait
    /// for the reader (see ``NATSSubscription``). The subscription ends when the connection closes.
    public func subscribe(_ subject: String, queue: String? = nil, buffer: Int = 10_000) throws(NATSError) -> NATSSubscription {
        let subscription = state.withLock { state -> NATSSubscription in
            let subscription = NATSSubscription(id: String(state.nextSubscriptionID), capacity: buffer)
            state.nextSubscriptionID += 1
            state.subscriptions[subscription.id] = subscription
            return subscription
        }
        try write(Array("SUB \(subject)\(queue.map { " " + $0 } ?? "") \(subscription.id)\r\n".utf8))
        return subscription
    }

    /// Ends `subscription`.
    public func unsubscribe(_ subscription: NATSSubscription) {
        state.withLock { _ = $0.subscriptions.removeValue(forKey: subscription.id) }
        subscription.end()
        try? write(Array("UNSUB \(subscription.id)\r\n".utf8))
    }

    // MARK: - Requests

    /// Publishes each message with its own reply inbox and returns the answers in order
    /// (an answer that does not come within `timeout` is a ``NATSError/timeout(_:)``).
    public func requests(_ messages: [NATSMessage], timeout: Duration) async throws(NATSError) -> [Result<NATSMessage, NATSError>] {
        try subscribeInbox()
        var bytes: [UInt8] = []
        var tokens: [String] = []
        for message in messages {
            let token = String(nextToken.add(1, ordering: .relaxed).newValue)
            tokens.append(token)
            Self.encodePublish(message.subject, payload: message.payload, replyTo: "\(inboxPrefix).\(token)",
                               headers: message.headers, into: &bytes)
        }
        state.withLock { state in for token in tokens { state.replies[token] = .pending } }
        let timer = Deadline(after: timeout) { [weak self, tokens] in self?.resolveReplies(tokens, .failure(.timeout("a request"))) }
        defer { timer.cancel() }
        do {
            try write(bytes)
        } catch {
            resolveReplies(tokens, .failure(error))
        }
        var results: [Result<NATSMessage, NATSError>] = []
        for token in tokens { results.append(await reply(token)) }
        return results
    }

    /// The answer for `token`, once it arrived or failed.
    private func reply(_ token: String) async -> Result<NATSMessage, NATSError> {
        do {
            return .success(try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NATSMessage, any Error>) in
                let done = state.withLock { state -> Result<NATSMessage, NATSError>? in
                    if case .done(let result)? = state.replies[token] {
                        state.replies[token] = nil
                        return result
                    }
                    if let reason = state.closedReason { return .failure(reason) }
                    state.replies[token] = .waiting(continuation)
                    return nil
                }
                if let done { continuation.resume(with: done) }
            })
        } catch {
            return .failure(error as? NATSError ?? .closed)
        }
    }

    /// Settles the requests of `tokens` still open with `result`.
    private func resolveReplies(_ tokens: [String], _ result: Result<NATSMessage, NATSError>) {
        let waiting = state.withLock { state in
            tokens.compactMap { token -> CheckedContinuation<NATSMessage, any Error>? in
                switch state.replies[token] {
                case .pending?:
                    state.replies[token] = .done(result)
                    return nil
                case .waiting(let continuation)?:
                    state.replies[token] = nil
                    return continuation
                default:
                    return nil
                }
            }
        }
        waiting.forEach { $0.resume(with: result) }
    }

    /// One request: publishes `message` with a reply inbox and returns the answer.
    public func request(_ message: NATSMessage, timeout: Duration = .seconds(5)) async throws(NATSError) -> NATSMessage {
        try await requests([message], timeout: timeout)[0].get()
    }

    private func subscribeInbox() throws(NATSError) {
        let needed = state.withLock { state -> Bool in
            defer { state.inboxSubscribed = true }
            return !state.inboxSubscribed
        }
        if needed { try write(Array("SUB \(inboxPrefix).* _inbox\r\n".utf8)) }
    }

    private func failPongWaiters(_ error: NATSError) {
        let waiting = state.withLock { state in
            defer { state.pongWaiters = [] }
            return state.pongWaiters
        }
        waiting.forEach { $0.resume(throwing: error) }
    }

    // MARK: - Receiving

    /// Handles one operation from the server (on the event loop).
    func handle(_ operation: NATSServerOperation) {
        switch operation {
        case .info(let info):
            let handshake = state.withLock { state -> CheckedContinuation<[UInt8], any Error>? in
                state.info = info
                defer { state.handshake = nil }
                return state.handshake
            }
            handshake?.resume(returning: info)
        case .ping:
            try? write(Array("PONG\r\n".utf8))
        case .pong:
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                state.pongWaiters.isEmpty ? nil : state.pongWaiters.removeFirst()
            }
            waiter?.resume()
        case .ok:
            break
        case .error(let message):
            // Every -ERR the server sends is fatal to the connection except a permissions one.
            if message.lowercased().hasPrefix("permissions violation") { return }
            fail(.server(message))
        case .message(let message):
            if message.subscriptionID == "_inbox" {
                resolveReplies([String(message.subject.dropFirst(inboxPrefix.count + 1))], .success(message))
                return
            }
            let subscription = state.withLock { $0.subscriptions[message.subscriptionID] }
            subscription?.append(message)
        }
    }

    /// Marks the connection closed for `reason` and fails everything waiting.
    func fail(_ reason: NATSError) {
        let (handshake, pongs, replies, subscriptions) = state.withLock { state in
            if state.closedReason == nil { state.closedReason = reason }
            defer {
                state.handshake = nil
                state.pongWaiters = []
                state.replies = [:]
                state.subscriptions = [:]
            }
            let replies = state.replies.values.compactMap { slot -> CheckedContinuation<NATSMessage, any Error>? in
                if case .waiting(let continuation) = slot { continuation } else { nil }
            }
            return (state.handshake, state.pongWaiters, replies, Array(state.subscriptions.values))
        }
        let error = closeReason ?? reason
        handshake?.resume(throwing: error)
        pongs.forEach { $0.resume(throwing: error) }
        replies.forEach { $0.resume(throwing: error) }
        subscriptions.forEach { $0.end() }
        channelBox.withLock { $0 }?.close(promise: nil)
    }

    /// Closes the connection.
    public func close() {
        fail(.closed)
    }

    /// `nats://host:port` (or `host:port`) as its parts.
    static func parse(_ url: String) -> (String, Int)? {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") { rest = rest[rest.index(colon, offsetBy: 3)...] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let parts = rest.split(separator: ":")
        guard let host = parts.first, !host.isEmpty else { return nil }
        let port = parts.count > 1 ? Int(parts[1].prefix { $0.isNumber }) : 4222
        guard let port, (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}

/// Feeds decoded operations to the connection; a closed socket or a decoding error closes it.
private final class NATSInboundHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NATSServerOperation

    let connection: NATSConnection

    init(connection: NATSConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.handle(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.fail(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.fail(error as? NATSError ?? .connectionFailed("\(error)"))
        context.close(promise: nil)
    }
}

extension Duration {
    /// The duration in nanoseconds.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
