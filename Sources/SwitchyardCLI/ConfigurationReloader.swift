@preconcurrency import Dispatch
import Foundation
import Logging
import SwitchyardKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reloads a running pipeline's configuration on SIGHUP and, with `--watch`, when its files
/// change. The new files are checked first: an invalid configuration is reported with the
/// usual diagnostics and the pipeline runs on untouched. Requests are handled one at a time;
/// several that arrive during a reload make one more reload.
struct ConfigurationReloader: Sendable {
    let files: PipelineFiles
    let pipeline: Pipeline
    let registry: StageRegistry
    let logger: Logger
    /// How often `--watch` looks at the files; nil: no watching.
    let watchInterval: Duration?

    /// Handles SIGHUP (and watches the files) until cancelled.
    func run() async {
        let (requests, request) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { request.yield("SIGHUP") }
        hangup.resume()
        defer { hangup.cancel() }
        await withTaskGroup(of: Void.self) { group in
            if let watchInterval {
                group.addTask { await watch(every: watchInterval) { request.yield("a configuration file changed") } }
            }
            group.addTask {
                for await reason in requests { await reload(because: reason) }
            }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {
                request.finish()
            }
            group.cancelAll()
        }
    }

    /// Checks the files and applies them; logs what changed or why nothing did.
    func reload(because reason: String) async {
        logger.notice("reloading the configuration (\(reason))")
        let plan: PipelinePlan
        do {
            plan = try files.load(registry: registry)
        } catch {
            printDiagnostics(error.diagnostics)
            let errors = error.diagnostics.filter { $0.severity == .error }.count
            logger.error("reload rejected: the configuration has \(errors) error\(errors == 1 ? "" : "s"); the running pipeline is unchanged")
            return
        }
        printDiagnostics(plan.warnings)
        if plan.api != pipeline.plan.api {
            logger.warning("api: a changed API address takes a restart; the API keeps serving where it is")
        }
        do {
            let summary = try await pipeline.reload(to: plan)
            logger.notice("configuration reloaded: \(summary)")
            StartupPages.release(reportingTo: logger)
        } catch {
            logger.error("reload rejected: \(error); the running pipeline is unchanged")
        }
    }

    /// Calls `changed` whenever the files' list or contents differ from the last look.
    private func watch(every interval: Duration, changed: @Sendable () -> Void) async {
        var last = snapshot()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = snapshot()
            if now != last {
                last = now
                changed()
            }
        }
    }

    /// The files' paths and contents now (unreadable files count as empty).
    private func snapshot() -> [String: Data] {
        guard let paths = try? files.paths() else { return [:] }
        var contents: [String: Data] = [:]
        for path in paths { contents[path] = FileManager.default.contents(atPath: path) ?? Data() }
        return contents
    }
}
