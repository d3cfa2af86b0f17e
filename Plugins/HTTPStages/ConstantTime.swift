/// Compares secrets in time that does not depend on where they differ.
enum ConstantTime {
    static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        var left = a.makeIterator()
        for byte in b {
            difference |= (left.next() ?? ~byte) ^ byte
        }
        return difference == 0 && a.count == b.count
    }
}
