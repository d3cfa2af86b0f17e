import CustomStages
import Foundation
import SwitchyardKit
import SwitchyardTesting
import Testing

@Suite("custom stages")
struct CustomStagesTests {
    static let table: String = {
        let path = NSTemporaryDirectory() + "geoip-\(UUID().uuidString).csv"
        try! "10.0.0.0/8,AA\n10.1.0.0/16,AB\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    @Test("geoip: the most specific network wins; unknown and invalid addresses as configured")
    func geoip() async throws {
        var driver = try TransformDriver(GeoIPTransform.self, options: ["table": .string(Self.table), "unknown": "--"])
        let output = try await driver.process([["ip": "10.1.2.3"], ["ip": "10.9.9.9"], ["ip": "8.8.8.8"], ["ip": "nope"]])
        #expect(output.events.map { $0.value["country"] } == ["AB", "AA", "--", nil])
        #expect(driver.metrics.errors == 1 && driver.metrics.dropped == 0, "the invalid address is kept, counted")

        var dropping = try TransformDriver(GeoIPTransform.self, options: ["table": .string(Self.table), "on_invalid": "drop"])
        #expect(try await dropping.process([["ip": "nope"], ["ip": "10.0.0.1"]]).events.count == 1)
        #expect(dropping.metrics.dropped == 1)
    }

    @Test("geoip: a bad table row fails at startup, naming file and line")
    func badTable() throws {
        let path = NSTemporaryDirectory() + "geoip-bad-\(UUID().uuidString).csv"
        try "10.0.0.0/8,AA\nnot a row\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TransformDriver(GeoIPTransform.self, options: ["table": .string(path)]) } throws: { error in
            "\(error)".contains("\(path):2:")
        }
    }

    @Test("rotating_file: rotates by size, keeps max_files, loses no line")
    func rotation() async throws {
        let directory = NSTemporaryDirectory() + "rotating-\(UUID().uuidString)"
        let path = "\(directory)/events.ndjson"
        let run = try await StageDriver.runSink(RotatingFileSink.self, options: ["path": .string(path), "max_bytes": 1000, "max_files": 50],
                                                events: (1...200).map { ["i": .int($0)] })
        #expect(run.outcomes.allSatisfy { $0 == .delivered })
        var numbers: [Int] = []
        for index in stride(from: 50, through: 0, by: -1) {
            let file = index == 0 ? path : "\(path).\(index)"
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            #expect(text.utf8.count <= 1000, "\(file) is within max_bytes")
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                numbers.append(object?["i"] as? Int ?? -1)
            }
        }
        #expect(numbers.sorted() == Array(1...200) && numbers == numbers.sorted(), "every line once, in order across files")
    }
}
