import Foundation
import Testing

/// `Examples/CustomStages`, a package of one's own stages that depends on this one by path:
/// it builds, its own tests pass, and its binary's commands all see the custom stages.
@Suite("example package of custom stages", .serialized)
struct ExamplePackageTests {
    static let package = SwitchyardProcess.repositoryRoot.appendingPathComponent("Examples/CustomStages").path
    /// A build directory of its own, kept between runs (SwiftPM cannot share the repo's).
    static let scratch = SwitchyardProcess.repositoryRoot.appendingPathComponent(".build/examples").path

    /// Runs `swift ARGUMENTS` on the example package; returns (status, output).
    static func swift(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift"] + arguments + ["--package-path", package, "--scratch-path", scratch]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// Runs the example's binary in `directory`.
    static func customSwitchyard(_ arguments: [String], directory: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try SwitchyardProcess.run(arguments, directory: directory, executable: "\(scratch)/debug/custom-switchyard")
    }

    @Test("it builds, its tests pass, and run/validate/stages/schema/docs know its stages")
    func examplePackage() throws {
        let build = try Self.swift(["build"])
        try #require(build.status == 0, "swift build: \(build.output.suffix(3000))")
        let tests = try Self.swift(["test"])
        #expect(tests.status == 0 && tests.output.contains("3 tests"), "swift test: \(tests.output.suffix(3000))")

        // A copy of the package's pipeline and table, run where its relative paths resolve.
        let directory = NSTemporaryDirectory() + "switchyard-example-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/pipelines", withIntermediateDirectories: true)
        for file in ["data/countries.csv", "pipelines/geoip.yaml"] {
            try FileManager.default.copyItem(atPath: "\(Self.package)/\(file)", toPath: "\(directory)/\(file)")
        }
        let stages = try Self.customSwitchyard(["stages"], directory: directory)
        #expect(stages.stdout.contains("geoip") && stages.stdout.contains("rotating_file") && stages.stdout.contains("remap"))
        let schema = try Self.customSwitchyard(["schema"], directory: directory)
        #expect(schema.stdout.contains("\"transform.geoip\"") && schema.stdout.contains("\"on_invalid\""))
        let docs = try Self.customSwitchyard(["docs"], directory: directory)
        #expect(docs.stdout.contains("### `rotating_file`") && docs.stdout.contains("| `max_files` | integer | `5` |"))
        let validate = try Self.customSwitchyard(["validate", "pipelines/geoip.yaml"], directory: directory)
        #expect(validate.status == 0, "validate: \(validate.stderr)")

        let run = try Self.customSwitchyard(["run", "pipelines/geoip.yaml"], directory: directory)
        #expect(run.status == 0, "run: \(run.stderr)")
        var lines: [Substring] = []
        for name in ["requests.ndjson.3", "requests.ndjson.2", "requests.ndjson.1", "requests.ndjson"] {
            let text = (try? String(contentsOfFile: "\(directory)/out/\(name)", encoding: .utf8)) ?? ""
            #expect(text.utf8.count <= 16 * 1024, "\(name) within max_bytes")
            lines += text.split(separator: "\n")
        }
        #expect(lines.count > 100 && lines.allSatisfy { $0.contains("\"country\":\"BC\"") }, "the newest files hold enriched events")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/out/requests.ndjson.4"), "max_files: 3")
    }
}
