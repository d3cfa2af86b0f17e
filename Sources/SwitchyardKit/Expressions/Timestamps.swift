#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 text for a time, as Switchyard writes it everywhere (UTC, milliseconds when not whole).
public enum RFC3339 {
    /// `2026-11-29T07:35:00.123Z` for seconds since 1970.
    public static func string(fromSeconds seconds: Double) -> String { Timestamps.rfc3339(seconds) }
}

/// Timestamps in the expression language: seconds since 1970 (numbers), or RFC 3339 text.
enum Timestamps {
    /// Now, as RFC 3339 text in UTC with milliseconds.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return rfc3339(Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9)
    }

    /// `2026-11-29T07:35:00.123Z` (milliseconds shown when not whole).
    static func rfc3339(_ seconds: Double) -> String {
        // Round to the millisecond first, so that 1.9996 s carries into the next second (2.000).
        let totalMillis = (seconds * 1000).rounded()
        let whole = (totalMillis / 1000).rounded(.down)
        let millis = Int(totalMillis - whole * 1000)
        var base = format(whole, "%Y-%m-%dT%H:%M:%S")
        if millis > 0 {
            base += "." + String(String(millis + 1000).dropFirst())
        }
        return base + "Z"
    }

    /// Formats seconds since 1970 (UTC) with a strftime format.
    static func format(_ seconds: Double, _ format: String) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [Int8](repeating: 0, count: 256)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Reads `text` with a strftime-style format (UTC unless `%z` says otherwise); nil when it does not match.
    /// Directives: `%Y %y %m %d %H %M %S %f` (fraction) `%b` (month name) `%z` (`+0100`, `+01:00`, `Z`)
    /// `%T` (`%H:%M:%S`) `%F` (`%Y-%m-%d`) `%s` (seconds since 1970) `%%`.
    static func parse(_ text: String, format: String) -> Double? {
        let input = Array(text.unicodeScalars)
        var index = 0
        var parts = tm()
        parts.tm_mday = 1
        parts.tm_year = 70
        var fraction = 0.0
        var offset = 0
        var epoch: Double?

        func number(maxDigits: Int) -> Int? {
            var value = 0
            var count = 0
            while count < maxDigits, index < input.count, let digit = input[index].properties.numericType != nil
                ? Int(String(input[index])) : nil
            {
                value = value * 10 + digit
                index += 1
                count += 1
            }
            return count > 0 ? value : nil
        }

        let expanded = format.replacing("%T", with: "%H:%M:%S").replacing("%F", with: "%Y-%m-%d")
        var directives = Array(expanded.unicodeScalars)[...]
        while let character = directives.popFirst() {
            guard character == "%" else {
                guard index < input.count, input[index] == character else { return nil }
                index += 1
                continue
            }
            guard let directive = directives.popFirst() else { return nil }
            switch directive {
            case "Y": guard let year = number(maxDigits: 4) else { return nil }; parts.tm_year = Int32(year - 1900)
            case "y": guard let year = number(maxDigits: 2) else { return nil }; parts.tm_year = Int32(year + 100)
            case "m": guard let month = number(maxDigits: 2) else { return nil }; parts.tm_mon = Int32(month - 1)
            case "d": guard let day = number(maxDigits: 2) else { return nil }; parts.tm_mday = Int32(day)
            case "H": guard let hour = number(maxDigits: 2) else { return nil }; parts.tm_hour = Int32(hour)
            case "M": guard let minute = number(maxDigits: 2) else { return nil }; parts.tm_min = Int32(minute)
            case "S": guard let second = number(maxDigits: 2) else { return nil }; parts.tm_sec = Int32(second)
            case "s": guard let seconds = number(maxDigits: 12) else { return nil }; epoch = Double(seconds)
            case "f":
                let start = index
                guard let digits = number(maxDigits: 9) else { return nil }
                fraction = Double(digits) / pow(10, Double(index - start))
            case "b":
                guard index + 3 <= input.count else { return nil }
                let name = String(String.UnicodeScalarView(input[index..<index + 3])).lowercased()
                guard let month = monthNames.firstIndex(of: name) else { return nil }
                parts.tm_mon = Int32(month)
                index += 3
            case "z":
                guard index < input.count else { return nil }
                if input[index] == "Z" {
                    index += 1
                } else {
                    let sign = input[index] == "-" ? -1 : 1
                    guard input[index] == "+" || input[index] == "-" else { return nil }
                    index += 1
                    guard let hours = number(maxDigits: 2) else { return nil }
                    if index < input.count, input[index] == ":" { index += 1 }
                    guard let minutes = number(maxDigits: 2) else { return nil }
                    offset = sign * (hours * 3600 + minutes * 60)
                }
            case "%":
                guard index < input.count, input[index] == "%" else { return nil }
                index += 1
            default:
                return nil
            }
        }
        guard index == input.count else { return nil }
        if let epoch { return epoch + fraction }
        return Double(timegm(&parts)) - Double(offset) + fraction
    }

    /// Reads RFC 3339 / ISO 8601 text: `2024-03-01T12:00:00.123456+00:00`, `...Z`, or a date alone.
    static func parseRFC3339(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        var fraction = 0.0
        var offset = 0
        if index < bytes.count {
            guard expect("Tt "), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
                let second = digits(2)
            else { return nil }
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                var scale = 0.1
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    fraction += Double(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if expect("Zz") {
                offset = 0
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let hours = digits(2), expect(":"), let minutes = digits(2) else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            }
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day) else { return nil }
        return Double(timegm(&parts)) - Double(offset) + fraction
    }
}
