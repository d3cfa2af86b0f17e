// libFuzzer harness: the JSON validator and parser on arbitrary bytes.
// Both must agree (what validates parses, what parses validates), never crash or hang,
// and a parsed value must survive writing and parsing again unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    let parser = JSONParser()
    let parsed = try? parser.parse(bytes)
    let valid = (try? bytes.withUnsafeBufferPointer { try parser.validate(buffer: $0) }) != nil
    precondition((parsed != nil) == valid, "validator and parser disagree")
    if let parsed {
        var written: [UInt8] = []
        JSONWriter.write(parsed, into: &written)
        precondition((try? parser.parse(written)) == parsed, "write then parse changed the value")
    }
    return 0
}
