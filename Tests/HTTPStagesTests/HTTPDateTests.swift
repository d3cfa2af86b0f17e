import Foundation
@testable import HTTPStages
import Testing

/// `Retry-After` as an HTTP date, read without a date formatter.
@Suite("http date")
struct HTTPDateTests {
    @Test("IMF-fixdates give the seconds Foundation's formatter gives, over 5,000 random times from 1900 to 2400")
    func matchesFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(HTTPDate.secondsSince1970("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.secondsSince1970("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.secondsSince1970("Thu, 29 Feb 2024 23:59:59 GMT") == 1_709_251_199)
        for _ in 0..<5_000 {
            let seconds = Int64.random(in: -2_208_988_800...13_569_465_600)
            let text = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(HTTPDate.secondsSince1970(text) == seconds, "\(text)")
        }
    }

    @Test("anything but an IMF-fixdate of a real day is refused", arguments: [
        "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37", "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 31 Apr 1994 08:49:37 GMT", "Wed, 29 Feb 2023 08:49:37 GMT", "Tue, 29 Feb 2100 00:00:00 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 06 Nov 1994 08:49:37 GMTX",
    ])
    func refused(text: String) {
        #expect(HTTPDate.secondsSince1970(text) == nil)
    }

    @Test("Retry-After: seconds, or the time until a date; a past date and a bad value give no wait of their own")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 784_111_777.25)
        #expect(HTTPDelivery.retryAfter(" 7 ", now: now) == .seconds(7))
        #expect(HTTPDelivery.retryAfter("-3", now: now) == .seconds(0))
        #expect(HTTPDelivery.retryAfter("Sun, 06 Nov 1994 08:49:40 GMT", now: now) == .milliseconds(2_750))
        #expect(HTTPDelivery.retryAfter("Sun, 06 Nov 1994 08:49:30 GMT", now: now) == .milliseconds(0))
        #expect(HTTPDelivery.retryAfter("soon", now: now) == nil)
        #expect(HTTPDelivery.retryAfter(nil, now: now) == nil)
    }
}
