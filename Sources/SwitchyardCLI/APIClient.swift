import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardKit

/// Talks to a running pipeline's HTTP API (`tap`, `top`): found from `--api HOST:PORT`, or
/// from the `api:` section of the pipeline file.
struct APIClient: Sendable {
    /// Why the API could not be reached or answered an error.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let baseURL: String

    /// One client for the process (a command makes a few requests, then exits). A refused
    /// connection fails at once instead of being retried until the connect timeout.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The API of `--api ADDRESS`, or else of the pipeline in `pipelineFile`.
    init(address: String?, pipelineFile: String?) throws {
        if let address {
            baseURL = "http://" + address
            return
        }
        guard let pipelineFile else { throw Failure(description: "give the pipeline file or --api HOST:PORT") }
        let plan: PipelinePlan
        do {
            plan = try PipelineLoader(registry: SwitchyardCommand.registry).load(file: pipelineFile)
        } catch {
            printDiagnostics(error.diagnostics)
            throw Failure(description: "\(pipelineFile): the pipeline does not load")
        }
        guard let api = plan.api else {
            throw Failure(description: "\(pipelineFile) has no `api:` section; add `api: { address: 127.0.0.1:8686 }` or give --api HOST:PORT")
        }
        guard api.port != 0 else {
            throw Failure(description: "\(pipelineFile) lets the API pick its port (:0); give --api HOST:PORT from the log line `API listening`")
        }
        baseURL = "http://\(api.host):\(api.port)"
    }

    /// The whole answer to `GET path`; throws on a connection error or a status other than 200.
    func get(_ path: String) async throws -> [UInt8] {
        let response = try await send(path, timeout: .seconds(10))
        var body = try await response.body.collect(upTo: 64 << 20)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard response.status == .ok else { throw Failure(description: Self.errorMessage(bytes, status: response.status.code)) }
        return bytes
    }

    /// Streams the answer to `GET path` line by line; returns when the server ends it.
    func lines(_ path: String, _ line: (ArraySlice<UInt8>) async throws -> Bool) async throws {
        let response = try await send(path, timeout: .hours(24 * 365))
        guard response.status == .ok else {
            var body = try await response.body.collect(upTo: 1 << 20)
            throw Failure(description: Self.errorMessage(body.readBytes(length: body.readableBytes) ?? [], status: response.status.code))
        }
        var pending: [UInt8] = []
        for try await chunk in response.body {
            pending += chunk.readableBytesView
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                guard try await line(pending[start..<newline]) else { return }
                start = newline + 1
            }
            pending.removeFirst(start - pending.startIndex)
        }
    }

    private func send(_ path: String, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await Self.client.execute(HTTPClientRequest(url: baseURL + path), timeout: timeout)
        } catch {
            throw Failure(description: "cannot reach the API at \(baseURL): \(error)")
        }
    }

    /// The `error` of a JSON error answer, or the status.
    private static func errorMessage(_ body: [UInt8], status: UInt) -> String {
        if let message = (try? JSONParser().parse(body))?["error"]?.stringValue {
            return message
        }
        return "the API answered \(status)"
    }
}
