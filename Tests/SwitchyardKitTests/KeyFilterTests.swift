@testable import SwitchyardKit
import Testing

/// The root key filter the line validator hands on with each event: it must never rule out a
/// key that is there, and knows nothing when the keys are not known to be unique.
@Suite("root key filter")
struct KeyFilterTests {
    func rootKeys(_ json: String) throws -> KeyFilter {
        var bytes = Array(json.utf8)
        return try bytes.withUnsafeMutableBufferPointer { try JSONParser().validateReportingKeyFilter(buffer: UnsafeBufferPointer($0)).rootKeys }
    }

    @Test("every root key is in the filter; nested keys and most other names are not")
    func rootKeysOnly() throws {
        let keys = (0..<40).map { "key_\($0)_with_a_longer_name" } + ["a", "bb", "ccc", "", "sp ace", "é"]
        let object = "{" + keys.map { "\"\($0)\":{\"nested_\($0)\":1}" }.joined(separator: ",") + "}"
        let filter = try rootKeys(object)
        for key in keys {
            if let bits = KeyFilter(name: key) { #expect(filter.contains(bits), "\(key)") }
        }
        let small = try rootKeys(#"{"a":{"inner":1},"b":[{"c":2}]}"#)
        let ruledOut = (0..<1000).filter { !small.contains(KeyFilter(name: "other\($0)")!) }.count
        #expect(ruledOut > 950)
        #expect(!small.contains(KeyFilter(name: "inner")!))
        #expect(!small.contains(KeyFilter(name: "c")!))
    }

    @Test("not known (everything may be there) for repeated keys, escapes, or a root that is not an object", arguments: [
        #"{"a":1,"a":2}"#, #"{"\u0061":1}"#, #"{"a":{"b":1,"b":2}}"#, #"[{"a":1}]"#, #""text""#, "12",
    ])
    func unknown(json: String) throws {
        #expect(try rootKeys(json) == .unknown)
    }

    @Test("an empty object has no keys; a name with a quote, a backslash or non-ASCII has no bits")
    func edges() throws {
        #expect(try rootKeys(" { } ") == .empty)
        #expect(KeyFilter(name: "a\"b") == nil)
        #expect(KeyFilter(name: "a\\b") == nil)
        #expect(KeyFilter(name: "é") == nil)
        #expect(KeyFilter(name: "tab\there") == nil)
    }
}
