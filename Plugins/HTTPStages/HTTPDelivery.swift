import AsyncHTTPClient
import CompressNIO
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import SwitchyardKit

/// Sends one batch until the server takes it (2xx), retrying what can be retried.
final class HTTPDelivery: Sendable {
    private let configuration: HTTPSink.Configuration
    private let client: HTTPClient
    private let context: StageContext
    private let deadLetter: DeadLetterFile?
    private let headers: HTTPHeaders
    /// Set once the pipeline is stopping: retries then end after `request.timeout`.
    private let drainDeadline = Mutex<ContinuousClock.Instant?>(nil)

    init(configuration: HTTPSink.Configuration, client: HTTPClient, context: StageContext) {
        self.configuration = configuration
        self.client = client
        self.context = context
        self.deadLetter = configuration.dead_letter.map { DeadLetterFile(path: $0.path) }
        var headers = HTTPHeaders()
        for (name, value) in configuration.headers { headers.add(name: name, value: value) }
        switch configuration.encoding {
        case .ndjson: headers.replaceOrAdd(name: "Content-Type", value: "application/x-ndjson")
        case .json, .json_array: headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        }
        if configuration.compression == .gzip { headers.replaceOrAdd(name: "Content-Encoding", value: "gzip") }
        if let auth = configuration.auth {
            switch auth.strategy {
            case .bearer: headers.replaceOrAdd(name: "Authorization", value: "Bearer \(auth.token ?? "")")
            case .basic:
                let credentials = Data("\(auth.user ?? ""):\(auth.password ?? "")".utf8).base64EncodedString()
                // The password's encoded form, as a server echoing the request would show it.
                SecretRedactor.shared.registerLiteral(credentials)
                headers.replaceOrAdd(name: "Authorization", value: "Basic \(credentials)")
            }
        }
        self.headers = headers
    }

    /// Once the pipeline is stopping, a batch that keeps failing gives up `request.timeout` later.
    private func drainingDeadline() -> ContinuousClock.Instant? {
        guard context.isStopping else { return nil }
        let limit = configuration.request.timeout.duration
        return drainDeadline.withLock { deadline in
            if deadline == nil { deadline = .now + limit }
            return deadline
        }
    }

    /// Delivers `events`; returns whether they are durable: taken by the server (2xx) or
    /// written to the dead-letter file.
    ///
    /// When the body is uncompressed NDJSON, it is also what the dead-letter file would get,
    /// so the events are let go once it is written: they are slices of the source's reads,
    /// and four requests in flight, retrying perhaps for minutes, kept those reads alive.
    @discardableResult
    func deliver(_ events: consuming [Event], to uri: String) async -> Bool {
        var events = events
        let count = events.count
        let body: ByteBuffer
        do {
            body = try encode(events)
        } catch {
            return await giveUp(.events(events), count: count, uri: uri, reason: "cannot encode the body: \(error)")
        }
        let undelivered: Undelivered = bodyIsDeadLetterLines ? .lines(body) : .events(events)
        events = []
        let retry = configuration.retry
        let initial = retry.initial_backoff.duration
        let maximum = retry.max_backoff.duration
        let maxDuration = retry.max_duration.duration
        let started = ContinuousClock.now
        var delay = initial
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await send(body, to: uri)
            switch outcome {
            case .delivered:
                context.metrics.addOut(count)
                return true
            case .rejected(let status, let text):
                return await giveUp(undelivered, count: count, uri: uri, reason: "the server rejected the batch with \(status): \(text)")
            case .retry(let reason, let retryAfter):
                let now = ContinuousClock.now
                let outOfTime = (maxDuration > .zero && now - started >= maxDuration)
                    || (drainingDeadline().map { now >= $0 } ?? false)
                if outOfTime {
                    return await giveUp(undelivered, count: count, uri: uri, reason: "still failing after \(attempt) attempts: \(reason)")
                }
                let wait = retryAfter.map { min($0, maximum) } ?? Self.jittered(delay)
                context.logger.warning("request failed (\(reason)); retrying in \(wait)", metadata: ["attempt": "\(attempt)", "events": "\(count)"])
                try? await Task.sleep(for: wait)
                delay = min(delay * 2, maximum)
            }
        }
    }

    /// What the dead-letter file gets for a batch given up: its events, or the body's bytes
    /// when those are the same lines.
    private enum Undelivered {
        case events([Event])
        case lines(ByteBuffer)
    }

    /// Whether a body is the dead-letter file's own form: one event's JSON per line.
    private var bodyIsDeadLetterLines: Bool {
        configuration.encoding == .ndjson && configuration.compression != .gzip
    }

    private enum Outcome {
        case delivered
        case rejected(Int, String)
        case retry(String, retryAfter: Duration?)
    }

    private func send(_ body: ByteBuffer, to uri: String) async -> Outcome {
        var request = HTTPClientRequest(url: uri)
        request.method = configuration.method == .put ? .PUT : .POST
        request.headers = headers
        request.body = .bytes(body)
        let timeout = configuration.request.timeout.duration
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(max(1, timeout.components.seconds))))
            let status = Int(response.status.code)
            let text = await Self.bodyStart(of: response.body)
            switch status {
            case 200..<300: return .delivered
            case 408, 429, 500..<600:
                return .retry("status \(status)", retryAfter: Self.retryAfter(response.headers.first(name: "Retry-After")))
            default:
                return .rejected(status, text)
            }
        } catch {
            return .retry(Self.describe(error, uri: uri), retryAfter: nil)
        }
    }

    /// The first 500 bytes of a response body, for a message. The status alone decides the
    /// outcome, so neither the body's size nor an error while reading it turns a batch the
    /// server took into a retry (which would deliver it twice). Up to 1 MiB is read so that the
    /// connection can be reused; past that, reading stops and the client closes the connection.
    static func bodyStart(of body: HTTPClientResponse.Body) async -> String {
        let kept = 500
        var start = ByteBuffer()
        var read = 0
        do {
            for try await chunk in body {
                read += chunk.readableBytes
                if start.readableBytes < kept {
                    start.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: min(kept - start.readableBytes, chunk.readableBytes))!)
                }
                if read > 1 << 20 { break }
            }
        } catch {
            // What was read is the message; the status stands.
        }
        return String(decoding: start.readableBytesView, as: UTF8.self)
    }

    /// The request body, written once into a buffer of its final size (four requests in flight
    /// each held a growing array and its copy before).
    private func encode(_ events: [Event]) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: events.reduce(2) { $0 + $1.approximateBytes + 1 })
        // One event's text at a time: the writer appends to arrays, the body is a ByteBuffer.
        var scratch: [UInt8] = []
        func append(_ event: Event) {
            scratch.removeAll(keepingCapacity: true)
            event.writeJSON(into: &scratch)
            buffer.writeBytes(scratch)
        }
        switch configuration.encoding {
        case .ndjson:
            for event in events {
                append(event)
                buffer.writeInteger(UInt8(0x0A))
            }
        case .json_array:
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, event) in events.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                append(event)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .json:
            if let event = events.first { append(event) }
        }
        if configuration.compression == .gzip { return try buffer.compress(with: .gzip()) }
        return buffer
    }

    /// Writes `events` to the dead-letter file if there is one; returns whether that made them durable.
    private func giveUp(_ undelivered: Undelivered, count: Int, uri: String, reason: String) async -> Bool {
        context.metrics.addErrors(1)
        guard let deadLetter else {
            context.metrics.addDropped(count)
            context.logger.error("\(reason); \(count) events dropped (no dead_letter configured)")
            return false
        }
        do {
            switch undelivered {
            case .events(let events): try deadLetter.append(events)
            case .lines(let body): try deadLetter.append(lines: Array(body.readableBytesView))
            }
            context.logger.error("\(reason); \(count) events written to the dead-letter file", metadata: ["path": "\(deadLetter.path)"])
            return true
        } catch {
            context.metrics.addDropped(count)
            context.logger.error("\(reason); \(count) events dropped: the dead-letter file failed: \(error)")
            return false
        }
    }

    /// A request error as a reason to log: a refused connection names where it was refused.
    static func describe(_ error: any Error, uri: String) -> String {
        let text = "\(error)"
        guard text.lowercased().contains("connection refused") || text.contains("ECONNREFUSED") else { return text }
        let components = URLComponents(string: uri)
        let port = components?.port ?? (components?.scheme == "https" ? 443 : 80)
        return "connection refused to \(components?.host ?? uri):\(port)"
    }

    /// `Retry-After`: seconds, or an HTTP date (the wait until then; none once it is past).
    static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        guard let date = HTTPDate.secondsSince1970(value) else { return nil }
        return .milliseconds(max(0, date * 1000 - Int64(now.timeIntervalSince1970 * 1000)))
    }

    static func jittered(_ delay: Duration) -> Duration {
        let factor = Double.random(in: 0.8...1.2)
        return .milliseconds(Int64(Double(delay.components.seconds * 1000) * factor + Double(delay.components.attoseconds) / 1e15 * factor))
    }
}
