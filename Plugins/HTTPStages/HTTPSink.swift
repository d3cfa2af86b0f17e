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
        @Option("The endpoint; {{ }} allowed (one batch stream per rendered URI).")
        var uri: Template
        @Option("The request method.")
        var method = HTTPSinkOptions.Method.post
        @Option("ndjson: one event per line; json_array: a JSON array; json: one event per request.")
        var encoding = HTTPSinkOptions.Encoding.ndjson
        @Option("Extra request headers.")
        var headers: [String: String] = [:]
        @Option("`{ strategy: bearer, token }` or `{ strategy: basic, user, password }`.")
        var auth: HTTPSinkOptions.Auth?
        @Option("`gzip` compresses the body (`Content-Encoding: gzip`).")
        var compression = HTTPSinkOptions.Compression.none
        @Option("A request is sent when a batch has max_events or max_bytes, when its oldest event waited timeout, or when the input is idle.")
        var batch = HTTPSinkOptions.Batch()
        @Option("Requests in flight at once (with `1`, events stay in order per URI); each request's time limit.")
        var request = HTTPSinkOptions.Request()
        @Option("Connection errors, timeouts, 408, 429 and 5xx are retried with doubling backoff and jitter; `Retry-After` is honoured (seconds or a date). `max_duration: 0s` retries forever.")
        var retry = HTTPSinkOptions.Retry()
        @Option("`{ path }`: batches that get another 4xx, or run out of retries, are appended there as NDJSON (replayable with a `file` source). Without it the status and body are logged and the events counted as dropped.")
        var dead_letter: DeadLetterOptions?

        public init() {}

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
            if request.concurrency < 1 {
                problems.append(OptionProblem(option: "request", "concurrency must be at least 1"))
            }
            if batch.max_events < 1 { problems.append(OptionProblem(option: "batch", "max_events must be at least 1")) }
            return problems
        }
    }

    public static let typeName = "http"
    public static let summary = "Sends batches of events over HTTP; retries with backoff; a dead-letter file for what cannot be delivered."
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
        let encoding = configuration.encoding
        let maxEvents = encoding == .json ? 1 : configuration.batch.max_events
        let maxBytes = configuration.batch.max_bytes.bytes
        let timeout = configuration.batch.timeout.duration
        var clientConfiguration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(10), read: .seconds(Int64(configuration.request.timeout.seconds))))
        // A refused or failed connection fails the request at once, to be retried (and logged) on
        // the sink's own schedule, not silently inside the client until its connect timeout.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        // A redirected POST keeps its method and body on 301 and 302 too (RFC 9110 allows either):
        // turned into a GET without its body, as browsers do, the batch would be lost yet count
        // as delivered once the GET succeeded. A 303 means the server took it.
        clientConfiguration.redirectConfiguration = .follow(configuration: .init(
            max: 5, allowCycles: false, retainHTTPMethodAndBodyOn301: true, retainHTTPMethodAndBodyOn302: true))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let delivery = HTTPDelivery(configuration: configuration, client: client, context: context)
        let limit = ConcurrencyLimit(configuration.request.concurrency)

        // Discarding: a request's task is freed as soon as it ends. A plain task group keeps every
        // finished child until the group ends, about 21 KB a request: a sink running for days grew
        // without bound (W4: 54 MB peak for 1M events, most of it finished requests).
        await withDiscardingTaskGroup { group in
            var pending: [String: PendingBatch] = [:]

            func dispatch(_ uri: String) async {
                guard let batch = pending.removeValue(forKey: uri), !batch.events.isEmpty else { return }
                await limit.acquire()
                // Handed over, not captured: the request lets the events go once its body is written.
                let events = HandOff(batch.events)
                let receipts = batch.receipts
                group.addTask {
                    defer { limit.release() }
                    let durable = await delivery.deliver(events.take(), to: uri)
                    for receipt in receipts {
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
                        context.problems.drop(because: "cannot render the uri for an event: \(error)")
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
