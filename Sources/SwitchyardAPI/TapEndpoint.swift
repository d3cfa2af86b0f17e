import Hummingbird
import Synchronization
import SwitchyardKit

/// `GET /tap?output=STAGE[.OUTPUT]&…[&condition=EXPR][&limit=N]`: the events leaving the named
/// stage outputs, live, as NDJSON (`{"stage":"…","event":{…}}` per event) until the client
/// goes, `limit` events were sent, or the pipeline ends. A client slower than the pipeline
/// loses copies (never slows the pipeline): a line `{"dropped":N}` says how many.
final class TapEndpoint: Sendable {
    /// At most this many taps at once; more are refused with 429.
    static let maximumTaps = 16
    /// Events waiting for one slow client before copies are dropped.
    static let bufferEvents = 1_000

    let pipeline: Pipeline
    private let openTaps = Atomic<Int>(0)

    init(pipeline: Pipeline) {
        self.pipeline = pipeline
    }

    func respond(to request: Request) -> Response {
        let parameters = request.uri.queryParameters
        let references = parameters[values: "output"].map(String.init)
        guard !references.isEmpty else { return Self.problem(.badRequest, "name at least one stage: /tap?output=STAGE[.OUTPUT]") }
        var condition: Condition?
        if let text = parameters["condition"], !text.isEmpty {
            do {
                condition = try Condition(String(text))
            } catch {
                return Self.problem(.badRequest, "condition: \(error)")
            }
        }
        var limit = Int.max
        if let text = parameters["limit"] {
            guard let parsed = Int(text), parsed > 0 else { return Self.problem(.badRequest, "limit: expected a positive integer, found \"\(text)\"") }
            limit = parsed
        }
        guard openTaps.add(1, ordering: .relaxed).newValue <= Self.maximumTaps else {
            openTaps.subtract(1, ordering: .relaxed)
            return Self.problem(.tooManyRequests, "at most \(Self.maximumTaps) taps at once")
        }
        let tap: Tap
        do {
            tap = try pipeline.tap(references, capacity: Self.bufferEvents)
        } catch {
            openTaps.subtract(1, ordering: .relaxed)
            return Self.problem(.notFound, error.description)
        }
        let body = ResponseBody { [self, condition, limit] writer in
            defer {
                tap.cancel()
                openTaps.subtract(1, ordering: .relaxed)
            }
            var sent = 0
            while sent < limit, let news = await tap.next() {
                var bytes: [UInt8] = []
                switch news {
                case .dropped(let count):
                    bytes += Array("{\"dropped\":\(count)}\n".utf8)
                case .events(let reference, let events):
                    for event in events where sent < limit {
                        guard (try? condition?.test(event)) ?? true else { continue }
                        bytes += Array("{\"stage\":".utf8)
                        JSONWriter.write(.string(reference), into: &bytes)
                        bytes += Array(",\"event\":".utf8)
                        event.writeJSON(into: &bytes)
                        bytes += Array("}\n".utf8)
                        sent += 1
                    }
                }
                if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }

    private static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var bytes = Array("{\"error\":".utf8)
        JSONWriter.write(.string(SecretRedactor.shared.redact(message)), into: &bytes)
        bytes += Array("}\n".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
