import Foundation
import MediaTestSupport
import Testing

@testable import IVRCalendar

/// The instant `milliseconds` after 1970, built exactly as a whole number of milliseconds allows.
func instant(millisecondsSince1970 milliseconds: Int) -> Date {
    Date(timeIntervalSinceReferenceDate: Double(milliseconds - 978_307_200_000) / 1000)
}

/// Foundation's formatter as the oracle (it rounds to the millisecond: compare whole milliseconds only).
func foundationFormatter(_ timeZone: TimeZone) -> ISO8601DateFormatter {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = timeZone
    return formatter
}

@Suite("Timestamp")
struct TimestampTests {
    /// 2027-03-14T15:59:03Z, from an independent calculation.
    static let example = Date(timeIntervalSince1970: 1_805_039_943)

    @Test func utcExample() {
        #expect(Timestamp.iso8601UTC(Self.example.addingTimeInterval(0.412)) == "2027-03-14T15:59:03.412Z")
        #expect(Timestamp.iso8601UTC(Self.example) == "2027-03-14T15:59:03.000Z")
        #expect(Timestamp.iso8601UTC(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func localExamples() throws {
        let date = Self.example.addingTimeInterval(0.412)
        let cases: [(zone: String, expected: String)] = [
            ("Europe/Moscow", "2027-03-14T18:59:03.412+03:00"),
            ("UTC", "2027-03-14T15:59:03.412+00:00"),
            ("America/New_York", "2027-03-14T11:59:03.412-04:00"),  // DST began at 02:00 that morning
            ("America/Los_Angeles", "2027-03-14T08:59:03.412-07:00"),
            ("America/St_Johns", "2027-03-14T13:29:03.412-02:30"),
            ("Pacific/Marquesas", "2027-03-14T06:29:03.412-09:30"),
            ("Asia/Kathmandu", "2027-03-14T21:44:03.412+05:45"),
            ("Pacific/Kiritimati", "2027-03-15T05:59:03.412+14:00"),
        ]
        for (zone, expected) in cases {
            let timeZone = try #require(TimeZone(identifier: zone))
            #expect(Timestamp.iso8601Local(date, timeZone: timeZone) == expected, "\(zone)")
        }
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(Timestamp.iso8601Local(Self.example.addingTimeInterval(-86_400), timeZone: newYork).hasSuffix("-05:00"))
    }

    /// Truncation: an event never appears later than it happened, even across a second or a day.
    @Test func millisecondsAreTruncated() {
        #expect(Timestamp.iso8601UTC(Self.example.addingTimeInterval(0.4129)) == "2027-03-14T15:59:03.412Z")
        #expect(Timestamp.iso8601UTC(Self.example.addingTimeInterval(0.9996)) == "2027-03-14T15:59:03.999Z")
        #expect(Timestamp.iso8601UTC(Self.example.addingTimeInterval(-0.0004)) == "2027-03-14T15:59:02.999Z")
        #expect(Timestamp.iso8601UTC(Date(timeIntervalSince1970: -0.0005)) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.iso8601UTC(Date(timeIntervalSince1970: -86_400.25)) == "1969-12-30T23:59:59.750Z")
    }

    @Test func parseForms() throws {
        let expected = Self.example
        let equal = [
            "2027-03-14T18:59:03+03:00", "2027-03-14T15:59:03Z", "2027-03-14t15:59:03z", "2027-03-14T18:59:03+0300",
            "2027-03-14T10:59:03-05:00", "2027-03-14T12:29:03-03:30", "2027-03-14T15:59:03.000Z",
            "2027-03-14T15:59:03-00:00",
        ]
        for text in equal { #expect(Timestamp.parse(text) == expected, "\(text)") }
        let fractional = try #require(Timestamp.parse("2027-03-14T18:59:03.5+03:00"))
        #expect(fractional.timeIntervalSince(expected) == 0.5)
        let nanoseconds = try #require(Timestamp.parse("2027-03-14T15:59:03,123456789123Z"))
        #expect(abs(nanoseconds.timeIntervalSince(expected) - 0.123_456_789) < 1e-6)
        #expect(Timestamp.parse("2027-03-14T18:59:00+03:00") == Date(timeIntervalSince1970: 1_805_039_940))
    }

    @Test(arguments: [
        "", "2027-03-14", "2027-03-14T18:59:00", "2027-03-14T18:59+03:00", "2027-03-14 18:59:00Z",
        "2027-02-29T00:00:00Z", "2027-04-31T00:00:00Z", "2027-13-01T00:00:00Z", "2027-00-01T00:00:00Z",
        "2027-03-00T00:00:00Z", "2027-03-14T24:00:00Z", "2027-03-14T23:60:00Z", "2027-03-14T23:59:60Z",
        "2027-03-14T23:59:59.Z", "2027-03-14T23:59:59Z ", " 2027-03-14T23:59:59Z", "2027-03-14T23:59:59+24:00",
        "2027-03-14T23:59:59+03:60", "2027-03-14T23:59:59+3:00", "2027-3-14T23:59:59Z", "27-03-14T23:59:59Z",
        "2027-03-14T23:59:59.123", "2027-03-14T23:59:59+03:00:00", "2027-03-14T23:59:59.１Z",
    ])
    func parseRejects(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func leapYears() throws {
        for text in ["2024-02-29T12:00:00.000Z", "2000-02-29T00:00:00.000Z", "2400-02-29T23:59:59.999Z"] {
            let date = try #require(Timestamp.parse(text), "\(text)")
            #expect(Timestamp.iso8601UTC(date) == text)
        }
        for text in ["2027-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
        let beforeLeapDay = try #require(Timestamp.parse("2028-02-28T23:59:59.999Z"))
        #expect(Timestamp.iso8601UTC(beforeLeapDay.addingTimeInterval(0.001)) == "2028-02-29T00:00:00.000Z")
        let lastDay = try #require(Timestamp.parse("2028-12-31T23:59:59.999Z"))
        #expect(Timestamp.iso8601UTC(lastDay.addingTimeInterval(0.001)) == "2029-01-01T00:00:00.000Z")
        let moscow = try #require(TimeZone(identifier: "Europe/Moscow"))
        let leapEvening = try #require(Timestamp.parse("2028-02-29T21:30:00Z"))
        #expect(Timestamp.iso8601Local(leapEvening, timeZone: moscow) == "2028-03-01T00:30:00.000+03:00")
    }

    /// Whole-millisecond instants from 1600 to 9999 print exactly as Foundation prints them, and parse
    /// back to the same instant.
    @Test func utcAgreesWithFoundationAndRoundTrips() throws {
        var generator = SeededRandom(seed: 20_270_314)
        let formatter = foundationFormatter(TimeZone(identifier: "UTC")!)
        let low = -11_676_096_000_000  // 1600-01-01
        let high = 253_402_300_799_999  // 9999-12-31T23:59:59.999
        for _ in 0..<20_000 {
            let date = instant(millisecondsSince1970: Int.random(in: low...high, using: &generator))
            let text = Timestamp.iso8601UTC(date)
            #expect(text == formatter.string(from: date))
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            #expect(parsed == date, "\(text)")
            #expect(Timestamp.iso8601UTC(parsed) == text)
        }
    }

    /// Arbitrary (sub-millisecond) instants: the printed time is at most 1 ms earlier, never later.
    @Test func arbitraryInstantsTruncate() throws {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2e9...4e9, using: &generator))
            let text = Timestamp.iso8601UTC(date)
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            let lag = date.timeIntervalSince(parsed)
            #expect(lag > -1e-6 && lag < 0.001, "\(text) lag \(lag)")
            #expect(Timestamp.iso8601UTC(parsed) == text)
        }
    }

    /// Local time in zones with negative, fractional and DST offsets agrees with Foundation, and parses
    /// back to the same instant.
    @Test(arguments: [
        "Europe/Moscow", "Europe/Berlin", "America/New_York", "America/St_Johns", "America/Sao_Paulo",
        "Pacific/Marquesas", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham",
    ])
    func localAgreesWithFoundation(zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let formatter = foundationFormatter(timeZone)
        var generator = SeededRandom(seed: UInt64(zone.utf8.count))
        let low = 0  // 1970
        let high = 4_102_444_800_000  // 2100
        for _ in 0..<3000 {
            let date = instant(millisecondsSince1970: Int.random(in: low...high, using: &generator))
            let text = Timestamp.iso8601Local(date, timeZone: timeZone)
            #expect(text == formatter.string(from: date))
            #expect(Timestamp.parse(text) == date, "\(text)")
        }
    }
}
