import Foundation
import Hummingbird
import NIOCore
import SwitchyardKit

/// Turns one POST into events, all or nothing, and answers for the `http_server` source.
struct IngestHandler: Sendable {
    let configuration: HTTPServerSource.Configuration
    let context: StageContext
    let output: SourceOutput

    let bodyTimeout: Duration
    /// Shared by every connection of the source.
    let pending: PendingBytes

    func handle(_ request: Request) async -> Response {
        if let token = configuration.auth?.token,
            !ConstantTime.equals(Array((request.headers[.authorization] ?? "").utf8), Array("Bearer \(token)".utf8))
        {
            // The body is not read: closing the connection spares reading (and discarding) it.
            return Self.closing(Self.answer(.unauthorized, "missing or wrong bearer token"))
        }
        let encoding: BodyInflater.Encoding?
        switch Self.contentEncoding(request.headers) {
        case .success(let found): encoding = found
        case .failure(let problem):
            context.metrics.addErrors(1)
            return Self.closing(Self.answer(.unsupportedMediaType, problem.message))
        }
        let limit = configuration.max_body_bytes.bytes
        func tooLarge(_ decompressed: Bool = false) -> Response {
            Self.closing(Self.answer(.contentTooLarge, "the body is larger than \(ConfigByteSize(bytes: limit))\(decompressed ? " once decompressed" : "")"))
        }
        // A declared length past the limit is refused before a byte of the body is waited for.
        let declared = request.headers[.contentLength].flatMap { Int($0) }.map { max(0, $0) }
        if let declared, declared > limit { return tooLarge() }
        let body = ReservedBody(pending: pending)
        defer { body.release() }
        if let declared, !body.reserve(declared) { return busy() }
        if encoding != nil, !body.reserveWorkspace(BodyInflater.workingBytes) { return busy() }
        switch await collectBody(request, encoding: encoding, limit: limit, into: body) {
        case .success: break
        case .failure(.tooLarge(let decompressed)):
            return tooLarge(decompressed)
        case .failure(.timedOut):
            return Self.closing(Self.answer(.requestTimeout, "the body did not arrive within \(bodyTimeout)"))
        case .failure(.busy):
            return busy()
        case .failure(.undecodable(let message)):
            context.metrics.addErrors(1)
            return Self.closing(Self.answer(.badRequest, message))
        }
        let bytes = body.bytes
        let events: [Event]
        switch decode(bytes) {
        case .success(let decoded): events = decoded
        case .failure(let problem):
            context.metrics.addErrors(1)
            return Self.answer(.badRequest, problem.message)
        }
        guard !events.isEmpty else { return Self.answer(.ok, "accepted 0 events") }
        // Refuse rather than queue: backpressure reaches the client, memory stays bounded.
        guard output.hasRoom(for: events.count, bytes: bytes.count) else {
            var response = Self.answer(.serviceUnavailable, "the pipeline is full; retry later")
            response.headers[.retryAfter] = "1"
            return response
        }
        guard configuration.acknowledgements else {
            await output.send(events)
            return Self.answer(.ok, "accepted \(events.count) events")
        }
        guard let outcome = await sendAcknowledged(events) else {
            var response = Self.answer(.serviceUnavailable, "the pipeline is stopping before these events were written; retry later")
            response.headers[.retryAfter] = "1"
            return response
        }
        switch outcome {
        case .delivered:
            return Self.answer(.ok, "accepted \(events.count) events")
        case .partlyDropped:
            var response = Self.answer(.serviceUnavailable, "the pipeline is full: a buffer dropped some of these events (when_full: drop_newest); retry later")
            response.headers[.retryAfter] = "1"
            return response
        case .failed:
            return Self.answer(.internalServerError, "a sink could not write these events (see the pipeline's log); retry later")
        }
    }

    /// 503 for a request whose body would pass `max_pending_bytes`; its body is not read.
    private func busy() -> Response {
        var response = Self.closing(Self.answer(.serviceUnavailable, "too many request bodies are arriving at once; retry later"))
        response.headers[.retryAfter] = "1"
        return response
    }

    /// `response` with `Connection: close`, for answers given before the body was read in full.
    private static func closing(_ response: Response) -> Response {
        var response = response
        response.headers[.connection] = "close"
        return response
    }

    /// How long a request still waits for its acknowledgement once the pipeline is stopping.
    static let stoppingGrace = Duration.seconds(5)

    /// Sends `events` and waits until every sink they reached has made them durable (or failed).
    /// Nil when the pipeline is stopping and the sinks did not answer within ``stoppingGrace``:
    /// a stop never hangs on a client.
    private func sendAcknowledged(_ events: [Event]) async -> DeliveryOutcome? {
        let (outcomes, continuation) = AsyncStream<DeliveryOutcome>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let acknowledgement = Acknowledgement { outcome in
            continuation.yield(outcome)
            continuation.finish()
        }
        await output.send(events, acknowledgement: acknowledgement)
        let context = self.context
        return await withTaskGroup(of: DeliveryOutcome?.self) { group in
            group.addTask {
                for await outcome in outcomes { return outcome }
                return .failed
            }
            group.addTask {
                while !context.isStopping {
                    guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { return nil }
                }
                try? await Task.sleep(for: Self.stoppingGrace)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            continuation.finish()
            return first
        }
    }

    private enum BodyProblem: Error {
        /// Past `max_body_bytes`, as sent or once decompressed.
        case tooLarge(decompressed: Bool)
        case timedOut
        /// Reserving its bytes would pass `max_pending_bytes`.
        case busy
        /// Compressed data that does not decompress.
        case undecodable(String)
    }

    /// The body's `Content-Encoding`: nil when there is none (or `identity`); a problem naming
    /// what is accepted for any other.
    static func contentEncoding(_ headers: HTTPFields) -> Result<BodyInflater.Encoding?, Problem> {
        let codings = headers[values: .contentEncoding]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { $0 != "identity" && !$0.isEmpty }
        switch codings {
        case []: return .success(nil)
        case ["gzip"], ["x-gzip"]: return .success(.gzip)
        case ["deflate"]: return .success(.deflate)
        default:
            return .failure(Problem(message: "Content-Encoding \(codings.joined(separator: ", ")) is not supported: send the body as is, or with gzip or deflate"))
        }
    }

    /// Reads the whole body into `body`, decompressing it if `encoding` says so, unless it is
    /// larger than `limit` (as sent or decompressed), slower than the body timeout, would pass
    /// `max_pending_bytes`, or does not decompress.
    private func collectBody(_ request: Request, encoding: BodyInflater.Encoding?, limit: Int,
                             into body: ReservedBody) async -> Result<Void, BodyProblem> {
        let reading = Task { () -> Result<Void, BodyProblem> in
            do {
                let inflater = try encoding.map { encoding throws(BodyInflater.Failure) in try BodyInflater(encoding) }
                var received = 0
                var decompressed = 0
                for try await chunk in request.body {
                    received += chunk.readableBytes
                    guard received <= limit else { return .failure(.tooLarge(decompressed: false)) }
                    guard let inflater else {
                        guard body.append(chunk) else { return .failure(.busy) }
                        continue
                    }
                    var problem = BodyProblem.busy
                    let taken = try chunk.withUnsafeReadableBytes { compressed in
                        try inflater.feed(compressed) { piece in
                            decompressed += piece.count
                            guard decompressed <= limit else {
                                problem = .tooLarge(decompressed: true)
                                return false
                            }
                            return body.append(piece)
                        }
                    }
                    guard taken else { return .failure(problem) }
                }
                // Cancelled (the body timeout, or a stop) may also look like the body's end.
                guard !Task.isCancelled else { return .failure(.timedOut) }
                try inflater?.finish()
                return .success(())
            } catch let failure as BodyInflater.Failure {
                return .failure(.undecodable(failure.description))
            } catch {
                return .failure(Task.isCancelled ? .timedOut : .tooLarge(decompressed: false))
            }
        }
        // A deadline, not a sleeping task: most bodies arrive in time, and a cancelled sleep
        // would hold its timer until the timeout (see ``Deadline``).
        let deadline = Deadline(after: bodyTimeout) { reading.cancel() }
        defer { deadline.cancel() }
        return await withTaskCancellationHandler {
            await reading.value
        } onCancel: {
            reading.cancel()
        }
    }

    /// Why a body was refused.
    struct Problem: Error {
        let message: String
    }

    private func decode(_ bytes: [UInt8]) -> Result<[Event], Problem> {
        let metadata = EventMetadata(sourceID: context.id, receivedAt: Date().timeIntervalSince1970)
        switch configuration.decoding {
        case .ndjson:
            var events: [Event] = []
            var lineNumber = 0
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                do {
                    if let event = try Event(jsonLine: line, metadata: metadata) { events.append(event) }
                } catch {
                    return .failure(Problem(message: "line \(lineNumber): \(error)"))
                }
            }
            return .success(events)
        case .json:
            // Checked once; each object becomes an event holding its slice of the body.
            let document: JSONText
            do {
                document = try JSONText(validating: bytes[...])
            } catch {
                return .failure(Problem(message: "\(error)"))
            }
            if document.isObject { return .success([document.event(metadata: metadata)]) }
            guard document.isArray else {
                return .failure(Problem(message: "expected an object or an array of objects, found \(document.value.typeName)"))
            }
            let elements = document.elements
            for (index, element) in elements.enumerated() where !element.isObject {
                return .failure(Problem(message: "element \(index) of the array is \(element.value.typeName), not an object"))
            }
            return .success(elements.map { $0.event(metadata: metadata) })
        }
    }

    private static func answer(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
