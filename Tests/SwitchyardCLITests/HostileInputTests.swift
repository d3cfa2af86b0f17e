import CoreStages
import ExecStages
import WasmStages
import Foundation
import NATSStages
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPStages
import SQLiteStages
import SwitchyardKit
import Testing
import WebSocketStages

/// Hostile configurations, files and clients against the real binary: bounded, clear, no secret printed.
@Suite("hostile input", .serialized)
struct HostileInputTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("billion laughs: refused at once with the alias position; validate, graph and run alike")
    func billionLaughs() throws {
        let file = try directory() + "/laughs.yaml"
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        for command in ["validate", "graph", "run"] {
            let result = try SwitchyardProcess.run([command, file])
            #expect(result.status == 1)
            #expect(result.stderr.contains("\(file):"), "\(command): the error names the file")
            #expect(result.stderr.contains("more than 100000 YAML nodes once its aliases are expanded"), "\(command): \(result.stderr.prefix(300))")
            #expect(!result.stderr.contains("expected"), "\(command): the refused rest of the document adds no errors")
        }
    }

    @Test("a generated pipeline gone wrong: one error for a document too large, and at most 100 errors printed, then how many more")
    func floodsOfErrors() throws {
        let sinks = { (count: Int, input: (Int) -> String) in
            "sources:\n  g: { type: generator, count: 1, lines: [x] }\nsinks:\n"
                + (0..<count).map { "  s\($0): { type: blackhole, inputs: [\(input($0))] }\n" }.joined()
        }
        let huge = try directory() + "/huge.yaml"
        try sinks(20_000) { _ in "g" }.write(toFile: huge, atomically: true, encoding: .utf8)
        let tooLarge = try SwitchyardProcess.run(["validate", huge])
        #expect(tooLarge.status == 1)
        #expect(tooLarge.stderr.split(separator: "\n").count == 1, "\(tooLarge.stderr.prefix(500))")
        #expect(tooLarge.stderr.contains("the document is too large: more than 100000 YAML nodes"))
        #expect(tooLarge.stdout.contains("invalid (1 error)"))

        let wrong = try directory() + "/wrong.yaml"
        try sinks(300) { "q\($0)" }.write(toFile: wrong, atomically: true, encoding: .utf8)
        let many = try SwitchyardProcess.run(["validate", wrong])
        let lines = many.stderr.split(separator: "\n")
        #expect(lines.count == 101)
        #expect(lines.first?.hasSuffix("sinks.s0: unknown input 'q0'; did you mean 'g'?") == true)
        // 300 errors and a warning (g feeds no stage).
        #expect(lines.last == "... and 201 more (the first 100 are shown)")
        #expect(many.stdout.contains("invalid (300 errors)"))
    }

    @Test("integer options near Int.max run or are refused with the bound, never crash the process (found: dedupe, sqlite, exec)")
    func hugeIntegersAtRunTime() throws {
        let directory = try directory()
        let most = "9223372036854775807"
        let stages = [
            "transforms:\n  t: { type: dedupe, inputs: [g], fields: [.a], cache_size: \(most) }\nsinks:\n  o: { type: blackhole, inputs: [t] }",
            "sinks:\n  o: { type: sqlite, inputs: [g], path: \(directory)/o.db, table: t, batch: { max_events: \(most) } }",
            "sinks:\n  o: { type: exec, inputs: [g], command: [cat], window: \(most), acknowledgements: true }",
        ]
        for (index, stage) in stages.enumerated() {
            let file = "\(directory)/p\(index).yaml"
            try "sources:\n  g: { type: generator, count: 3, event: { a: 1 } }\n\(stage)\n".write(toFile: file, atomically: true, encoding: .utf8)
            let result = try SwitchyardProcess.run(["run", file])
            #expect(result.status == 0 || (result.status == 1 && result.stderr.contains("must be at most")), "\(stage): \(result.stderr.prefix(300))")
            #expect(!result.stderr.contains("Swift runtime failure"), "\(stage)")
        }
    }

    @Test("a pipeline file that never ends (/dev/zero) is refused by size, not read forever")
    func endlessConfig() throws {
        let result = try SwitchyardProcess.run(["validate", "/dev/zero"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/dev/zero:1:1: the file is larger than"))
    }

    /// Every option that takes a value (a group's members too): the top-level key, the value's
    /// type, and how a value is written under that key (`{ member: value }` for a member).
    private static func leafOptions(_ options: [OptionDeclaration]) -> [(String, OptionType, (String) -> String)] {
        options.flatMap { option -> [(String, OptionType, (String) -> String)] in
            guard !option.members.isEmpty else { return [(option.name, option.type, { $0 })] }
            return leafOptions(option.members).map { member in
                (option.name, member.1, { value in "{ \(member.0): \(member.2(value)) }" })
            }
        }
    }

    /// The YAML of one stage under test, from its documented example with `option` replaced.
    private func stageYAML(_ entry: RegisteredStageType, option: String, value: String) -> String {
        var lines: [String] = []
        var skippingIndent: Int?
        for line in entry.example.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let indent = line.prefix { $0 == " " }.count
            if let skip = skippingIndent, indent > skip || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            skippingIndent = nil
            if indent == 0, line.hasPrefix(option + ":") {
                skippingIndent = 0
                continue
            }
            lines.append(line)
        }
        lines.append("\(option): \(value)")
        return lines.map { "    " + $0 }.joined(separator: "\n")
    }

    @Test("a secret from ${VAR} in any string option of any stage is never printed by validate or graph")
    func secretsInEveryOption() throws {
        let directory = try directory()
        let secret = "hunter2-\(UUID().uuidString.prefix(8))"
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerWebSocketStages()
        registry.registerHTTPStages()
        registry.registerSQLiteStages()
        registry.registerExecStages()
        registry.registerWasmStages()
        registry.registerNATSStages()
        var checked = 0
        for entry in registry.all {
            for (option, type, wrap) in Self.leafOptions(entry.options) {
                let values: [String]
                switch type {
                case .list: values = ["[\"${SECRET}\", \"${SECRET} {{ ( [\"]"].map(wrap)
                case .mapping: values = ["{ \"${SECRET}\": \"${SECRET} (\" }", "{ \"${SECRET}\": \".a == 1\" }"].map(wrap)
                default: values = ["\"${SECRET}\"", "\"${SECRET} {{ ( [\"", "\".${SECRET}[\""].map(wrap)
                }
                for value in values {
                    let id = entry.kind == .source ? "home" : "under_test"
                    var yaml = entry.kind == .source ? "" : "sources:\n  home: { type: generator, count: 1, lines: [x] }\n"
                    yaml += "\(entry.kind.section):\n  \(id):\n\(stageYAML(entry, option: option, value: value))\n"
                    if entry.kind != .sink { yaml += "sinks:\n  out: { type: blackhole, inputs: [\(id)] }\n" }
                    let file = "\(directory)/\(entry.typeName)-\(option)-\(checked).yaml"
                    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
                    for command in ["validate", "graph"] {
                        let result = try SwitchyardProcess.run([command, file], environment: ["SECRET": secret])
                        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret),
                                "\(command) \(entry.typeName).\(option) = \(value): \(result.stderr)\(result.stdout)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 100, "every option of every stage type was tried")
    }

    @Test("secrets written literally (bearer token, API key header, basic password, a URL's password and token) are not printed, even when a server echoes the request")
    func literalSecretsEchoed() throws {
        let script = SwitchyardProcess.repositoryRoot.appendingPathComponent("Tests/SwitchyardCLITests/Scripts/echo_server.py").path
        let server = try SwitchyardProcess(["python3", script], executable: "/usr/bin/env")
        defer {
            // SIGKILL: the test process blocks SIGTERM, and a child inherits that mask.
            server.signal(SIGKILL)
            _ = server.finish()
        }
        let port = server.firstLine()
        let secrets = ["pw-literal-1", "qs-literal-2", "tok-literal-3", "key-literal-4", "pw-literal-5",
                       Data("bob:pw-literal-1".utf8).base64EncodedString(), Data("amy:pw-literal-5".utf8).base64EncodedString()]
        let file = try directory() + "/p.yaml"
        try """
            sources:
              gen: { type: generator, count: 1, lines: [x] }
            sinks:
              bearer:
                type: http
                inputs: [gen]
                uri: http://bob:pw-literal-1@127.0.0.1:\(port)/in?access_token=qs-literal-2&page=1
                auth: { strategy: bearer, token: tok-literal-3 }
                headers: { X-Api-Key: key-literal-4 }
              basic:
                type: http
                inputs: [gen]
                uri: http://127.0.0.1:\(port)/basic
                auth: { strategy: basic, user: amy, password: pw-literal-5 }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try SwitchyardProcess.run(["run", file])
        #expect(run.stderr.contains("refused /in?access_token=<redacted>&page=1 with"), "\(run.stderr)")
        #expect(run.stderr.contains("'X-Api-Key': '<redacted>'"), "\(run.stderr)")
        #expect(run.stderr.contains("refused /basic with"), "\(run.stderr)")
        for command in [["validate", file], ["graph", file]] {
            let result = try SwitchyardProcess.run(command)
            #expect(result.status == 0, "\(result.stderr)")
            for secret in secrets { #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(command[0]): \(secret)") }
        }
        for secret in secrets { #expect(!run.stderr.contains(secret) && !run.stdout.contains(secret), "run: \(secret)") }
    }

    @Test("at run time, a secret in a file sink path is not printed when the write fails; the error is one line")
    func secretAtRunTime() throws {
        let directory = try directory()
        let file = "\(directory)/p.yaml"
        try """
            sources:
              gen: { type: generator, count: 3, lines: [x] }
            sinks:
              out: { type: file, inputs: [gen], path: "/proc/${SECRET}/out.ndjson" }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try SwitchyardProcess.run(["run", file], environment: ["SECRET": "s3cr3t-value-99"])
        #expect(result.status == 1)
        #expect(!result.stderr.contains("s3cr3t-value-99"))
        #expect(result.stderr.contains("cannot write to /proc/${SECRET}: No such file or directory"))
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test("HEAD /health answers like GET; a clean stop of servers logs no error line")
    func cleanStopOfServers() async throws {
        let directory = try directory()
        let file = "\(directory)/p.yaml"
        let (api, ingest) = (Int.random(in: 20000...29999), Int.random(in: 30000...39999))
        try """
            api: { address: 127.0.0.1:\(api) }
            sources:
              ingest: { type: http_server, address: 127.0.0.1:\(ingest) }
            sinks:
              out: { type: blackhole, inputs: [ingest] }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let child = try SwitchyardProcess(["run", file])
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(api)/health")!)
        request.httpMethod = "HEAD"
        var status = 0
        for _ in 0..<250 where status == 0 {
            if let (_, response) = try? await URLSession.shared.data(for: request) {
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(status == 200)
        child.signal(SIGTERM)
        let result = child.finish()
        #expect(result.status == 0)
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") }
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test("a full disk (/dev/full): the file sink fails with one readable line, the source's checkpoint stays before the lost lines")
    func fullDisk() throws {
        let directory = try directory()
        let file = "\(directory)/p.yaml"
        try "{\"a\":1}\n{\"a\":2}\n".write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        try """
            data_dir: \(directory)/state
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            sinks:
              out: { type: file, inputs: [in], path: /dev/full }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try SwitchyardProcess.run(["run", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot write to /dev/full: No space left on device"))
        let checkpoint = FileManager.default.contents(atPath: "\(directory)/state/in/checkpoint.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        #expect((checkpoint?["offset"] as? Int ?? 0) == 0, "nothing acknowledged, so a restart reads both lines again")
    }

    @Test("SIGTERM in the first milliseconds drains like any other: exit 0, whole lines only")
    func earlySignal() throws {
        let directory = try directory()
        let file = "\(directory)/p.yaml"
        try """
            sources:
              gen: { type: generator, count: 100000000, lines: [x] }
            sinks:
              out: { type: file, inputs: [gen], path: \(directory)/out.ndjson }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let child = try SwitchyardProcess(["run", file])
        // As soon as the process has SIGTERM in hand (caught or ignored, per /proc), before it has loaded anything.
        #expect(waitUntil(10) { handlesSIGTERM(child.process.processIdentifier) })
        child.signal(SIGTERM)
        let result = child.finish()
        #expect(result.status == 0, "\(result.stderr)")
        let output = (try? String(contentsOfFile: "\(directory)/out.ndjson", encoding: .utf8)) ?? ""
        #expect(output.isEmpty || output.hasSuffix("\n"))
    }
}

/// Whether process `pid` catches or ignores SIGTERM (its bit in SigCgt or SigIgn of /proc/PID/status).
private func handlesSIGTERM(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
    let bit = UInt64(1) << UInt64(SIGTERM - 1)
    return status.split(separator: "\n").contains { line in
        guard line.hasPrefix("SigCgt:") || line.hasPrefix("SigIgn:"),
            let mask = UInt64(line.split(separator: "\t").last ?? "", radix: 16)
        else { return false }
        return mask & bit != 0
    }
}
