import AsyncHTTPClient
import CompressNIO
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardKit

/// Sends batches of events to an HTTP endpoint; retries what can be retried, never
/// counts an event as sent before a 2xx, and keeps what it cannot deliver in a dead-letter file.
public struct HTTPSink: Sink {
    public struct Configuration: StageConfiguration {
        var uri: Template
        var method: HTTPSinkOptions.Method?
        var encoding: HTTPSinkOptions.Encoding?
        var headers: [String: String]?
        var auth: HTTPSinkOptions.Auth?
        var compression: HTTPSinkOptions.Compression?
        var batch: HTTPSinkOptions.Batch?
        var request: HTTPSinkOptions.Request?
        var retry: HTTPSinkOptions.Retry?
        var dead_letter: HTTPSinkOptions.DeadLetter?

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if !(uri.text.hasPrefix("http://") || uri.text.hasPrefix("https://")) {
                problems.append(OptionProblem(option: "uri", "must start with http:// or https://"))
            }
            if let auth {
                switch auth.strategy {
                case .bearer where (auth.token ?? "").isEmpty:
                    problems.append(OptionProblem(option: "auth", "strategy bearer needs `token`"))
                case .basic where auth.user == nil || auth.password == nil:
                    problems.append(OptionProblem(option: "auth", "strategy basic needs `user` and `password`"))
                default: break
                }
            }
            if let concurrency = request?.concurrency, concurrency < 1 {
                problems.append(OptionProblem(option: "request", "concurrency must be at least 1"))
            }
            if let size = batch?.max_events, size < 1 { problems.append(OptionProblem(option: "batch", "max_events must be at least 1")) }
            return problems
        }
    }

    public static let typeName = "http"
    public static let summary = "Sends batches of events over HTTP; retries with backoff; a dead-letter file for what cannot be delivered."
    public static let options = [
        StageOption("uri", type: "template", required: true, "The endpoint; {{ }} allowed (one batch stream per rendered URI)."),
        StageOption("method", type: HTTPSinkOptions.Method.valueList, default: "post", "The request method."),
        StageOption("encoding", type: HTTPSinkOptions.Encoding.valueList, default: "ndjson",
                    "ndjson: one event per line; json_array: a JSON array; json: one event per request."),
        StageOption("headers", type: "mapping", "Extra request headers."),
        StageOption("auth", type: "{ strategy: bearer, token } | { strategy: basic, user, password }", "Authorization (never logged)."),
        StageOption("compression", type: HTTPSinkOptions.Compression.valueList, default: "none", "gzip the body (Content-Encoding: gzip)."),
        StageOption("batch", type: "{ max_events, max_bytes, timeout }", default: "{ max_events: 1000, max_bytes: 1MB, timeout: 1s }",
                    "A request is sent when a batch has max_events or max_bytes, when its oldest event waited timeout, or when the input is idle."),
        StageOption("request", type: "{ concurrency, timeout }", default: "{ concurrency: 4, timeout: 30s }",
                    "Requests in flight at once (1 keeps order per URI), and each request's time limit."),
        StageOption("retry", type: "{ initial_backoff, max_backoff, max_duration }", default: "{ 1s, 30s, 0s }",
                    "Backoff with jitter for connection errors, timeouts, 408, 429 (Retry-After honoured) and 5xx; max_duration 0s retries forever."),
        StageOption("dead_letter", type: "{ path }",
                    "Events of batches that cannot be delivered (another 4xx, retries exhausted) are appended here as NDJSON; without it they are logged and counted as dropped."),
    ]
    public static let example = """
        type: http
        inputs: [home]
        uri: http://127.0.0.1:8080/ingest
        encoding: ndjson
        batch: { max_events: 1000, timeout: 1s }
        request: { concurrency: 4, timeout: 30s }
        retry: { initial_backoff: 1s, max_backoff: 30s }
        dead_letter: { path: data/http-dead-letter.ndjson }
        """

    private let configuration: Configuration
    private let context: StageContext

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
    }

    public func run(input: SinkInput) async throws {
        let encoding = configuration.encoding ?? .ndjson
        let maxEvents = encoding == .json ? 1 : (configuration.batch?.max_events ?? 1000)
        let maxBytes = configuration.batch?.max_bytes?.bytes ?? 1 << 20
        let timeout = configuration.batch?.timeout?.duration ?? .seconds(1)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            timeout: .init(connect: .seconds(10), read: .seconds(Int64(configuration.request?.timeout?.seconds ?? 30)))))
        let delivery = HTTPDelivery(configuration: configuration, client: client, context: context)
        let limit = ConcurrencyLimit(configuration.request?.concurrency ?? 4)

        await withTaskGroup(of: Void.self) { group in
            var pending: [String: PendingBatch] = [:]
            var failures = 0

            func dispatch(_ uri: String) async {
                guard let batch = pending.removeValue(forKey: uri), !batch.events.isEmpty else { return }
                await limit.acquire()
                group.addTask {
                    defer { limit.release() }
                    let durable = await delivery.deliver(batch.events, to: uri)
                    for receipt in batch.receipts {
                        if durable { receipt.acknowledge() } else { receipt.fail() }
                    }
                }
            }

            while let incoming = await input.next() {
                // Each request that carries events of this batch holds its own copy of the receipt.
                let receipt = input.receipt()
                defer { receipt.acknowledge() }
                let tracked = receipt.isEmpty ? nil : receipt
                for event in incoming.events {
                    let uri: String
                    do {
                        uri = configuration.uri.isConstant ? configuration.uri.text : try configuration.uri.render(event)
                    } catch {
                        context.metrics.addErrors(1)
                        context.metrics.addDropped(1)
                        if failures < 20 { context.logger.error("cannot render the uri for an event (dropped): \(error)") }
                        failures += 1
                        continue
                    }
                    pending[uri, default: PendingBatch()].append(event, receipt: tracked)
                    if let batch = pending[uri], batch.events.count >= maxEvents || batch.bytes >= maxBytes {
                        await dispatch(uri)
                    }
                }
                let now = ContinuousClock.now
                for (uri, batch) in pending where input.isIdle || now - batch.started >= timeout {
                    await dispatch(uri)
                }
            }
            for uri in Array(pending.keys) { await dispatch(uri) }
            await group.waitForAll()
        }
        try await client.shutdown()
    }
}

/// Events waiting to be sent to one URI, with the receipts of the batches they came from.
struct PendingBatch {
    var events: [Event] = []
    var bytes = 0
    var started = ContinuousClock.now
    var receipts: [DeliveryReceipt] = []
    /// The receipt the last copy was made from (kept alive so that identity means something).
    private var copiedFrom: DeliveryReceipt?

    mutating func append(_ event: Event, receipt: DeliveryReceipt?) {
        if events.isEmpty { started = .now }
        events.append(event)
        bytes += event.rawJSON?.count ?? 256
        if let receipt, receipt !== copiedFrom {
            receipts.append(receipt.copy())
            copiedFrom = receipt
        }
    }
}
