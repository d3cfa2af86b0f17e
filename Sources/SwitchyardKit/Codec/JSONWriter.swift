/// A byte-level JSON encoder for the event hot path.
///
/// Writes compact JSON (or indented JSON for people) into a caller-owned byte
/// buffer, so a sink can encode a whole batch into one buffer and write it once.
/// Non-ASCII text is written as UTF-8; only `"`, `\` and control characters are
/// escaped.
public enum JSONWriter {
    /// Appends the compact JSON text of `value` to `buffer`.
    public static func write(_ value: JSONValue, into buffer: inout [UInt8]) {
        switch value {
        case .null: append("null", to: &buffer)
        case .bool(let flag): append(flag ? "true" : "false", to: &buffer)
        case .int(let integer): writeInteger(integer, into: &buffer)
        case .double(let double): writeDouble(double, into: &buffer)
        case .number(let text): buffer.append(contentsOf: text.utf8)
        case .string(let string): writeString(string, into: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                write(element, into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            buffer.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &buffer)
                buffer.append(UInt8(ascii: ":"))
                write(member.value, into: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `value` as indented JSON (two spaces a level) to `buffer`.
    public static func writePretty(_ value: JSONValue, into buffer: inout [UInt8], indent: Int = 0) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &buffer)
                writePretty(element, into: &buffer, indent: indent + 1)
            }
            newline(indent, into: &buffer)
            buffer.append(UInt8(ascii: "]"))
        case .object(let object) where object.count > 0:
            buffer.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &buffer)
                writeString(member.key, into: &buffer)
                append(": ", to: &buffer)
                writePretty(member.value, into: &buffer, indent: indent + 1)
            }
            newline(indent, into: &buffer)
            buffer.append(UInt8(ascii: "}"))
        default:
            write(value, into: &buffer)
        }
    }

    /// The compact JSON text of `value`.
    public static func string(_ value: JSONValue) -> String {
        var buffer: [UInt8] = []
        write(value, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends `string` as a quoted, escaped JSON string.
    public static func writeString(_ string: String, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                buffer.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
                case 0x0A: buffer.append(UInt8(ascii: "n"))
                case 0x0D: buffer.append(UInt8(ascii: "r"))
                case 0x09: buffer.append(UInt8(ascii: "t"))
                case 0x08: buffer.append(UInt8(ascii: "b"))
                case 0x0C: buffer.append(UInt8(ascii: "f"))
                default:
                    append("u00", to: &buffer)
                    buffer.append(hexDigit(byte >> 4))
                    buffer.append(hexDigit(byte & 0x0F))
                }
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static func writeInteger(_ integer: Int64, into buffer: inout [UInt8]) {
        if integer == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = integer.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if integer < 0 { buffer.append(UInt8(ascii: "-")) }
            while count > 0 {
                count -= 1
                buffer.append(digits[count])
            }
        }
    }

    private static func writeDouble(_ double: Double, into buffer: inout [UInt8]) {
        // `description` is the shortest text that reads back as the same Double;
        // the parser never produces non-finite values, but guard anyway.
        guard double.isFinite else {
            append("null", to: &buffer)
            return
        }
        buffer.append(contentsOf: double.description.utf8)
    }

    private static func newline(_ indent: Int, into buffer: inout [UInt8]) {
        buffer.append(0x0A)
        buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func append(_ text: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
