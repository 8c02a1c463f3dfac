import Foundation
import Testing

@testable import IVRCalendar

private func at(_ text: String) -> Date {
    guard let date = Timestamp.parse(text) else { fatalError("bad test timestamp \(text)") }
    return date
}

private let moscow = TimeZone(identifier: "Europe/Moscow")!

@Suite("Tickets")
struct TicketTests {
    @Test func exampleFormat() throws {
        let format = try TicketFormat(parsing: "{date:yyyyMMdd}-{seq:6}")
        #expect(format.segments == [.date([.year, .month, .day]), .literal("-"), .sequence(minimumDigits: 6)])
        #expect(
            format.render(sequence: 42, at: at("2027-03-14T18:59:03+03:00"), timeZone: moscow, line: "fxo0")
                == "20270314-000042")
        // The date is local: 23:30 UTC is already the next day in Moscow.
        #expect(
            format.render(sequence: 1, at: at("2027-03-14T23:30:00Z"), timeZone: moscow, line: "") == "20270315-000001")
    }

    @Test func allFields() throws {
        let format = try TicketFormat(parsing: "T/{line}/{date:yy.MM.dd_HH-mm-ss}/{seq:3}")
        let date = at("2027-03-04T05:06:07.890+03:00")
        #expect(format.render(sequence: 7, at: date, timeZone: moscow, line: "fxo2") == "T/fxo2/27.03.04_05-06-07/007")
        let newYork = TimeZone(identifier: "America/New_York")!
        #expect(format.render(sequence: 7, at: date, timeZone: newYork, line: "") == "T//27.03.03_21-06-07/007")
        #expect(format.description == "T/{line}/{date:yy.MM.dd_HH-mm-ss}/{seq:3}")
    }

    /// Zero padding to N digits; a wider number keeps all its digits.
    @Test(arguments: [
        (1, 1, "1"), (9, 1, "9"), (10, 1, "10"), (1, 6, "000001"), (999_999, 6, "999999"), (1_000_000, 6, "1000000"),
        (1000, 3, "1000"), (42, 12, "000000000042"), (1_234_567_890_123, 12, "1234567890123"),
    ])
    func padding(sequence: Int, width: Int, expected: String) throws {
        let format = try TicketFormat(parsing: "{seq:\(width)}")
        #expect(
            format.render(sequence: sequence, at: Date(timeIntervalSince1970: 0), timeZone: moscow, line: "")
                == expected)
    }

    /// The sequence starts at 1 and restarts at Moscow midnight, not at UTC midnight.
    @Test func dailyResetAtLocalMidnight() throws {
        let format = try TicketFormat(parsing: "{date:yyyyMMdd}-{seq:6}")
        var counter = TicketCounter(format: format, reset: .daily, timeZone: moscow)
        #expect(counter.lastSequence == 0)
        #expect(counter.next(at: at("2027-03-14T09:00:00+03:00"), line: "fxo0") == "20270314-000001")
        #expect(counter.next(at: at("2027-03-14T18:59:00+03:00"), line: "fxo0") == "20270314-000002")
        #expect(counter.next(at: at("2027-03-14T23:59:59.999+03:00"), line: "fxo1") == "20270314-000003")
        #expect(counter.next(at: at("2027-03-15T00:00:00+03:00"), line: "fxo0") == "20270315-000001")
        // UTC midnight is 03:00 in Moscow: no reset there.
        #expect(counter.next(at: at("2027-03-15T23:59:59Z"), line: "fxo0") == "20270316-000001")
        #expect(counter.next(at: at("2027-03-16T00:00:00Z"), line: "fxo0") == "20270316-000002")
        #expect(counter.lastSequence == 2)
        // Days without calls: still restarts at 1.
        #expect(counter.next(at: at("2027-03-20T12:00:00+03:00"), line: "fxo0") == "20270320-000001")
        // A clock stepped back over midnight continues the sequence rather than repeat numbers.
        #expect(counter.next(at: at("2027-03-19T23:59:00+03:00"), line: "fxo0") == "20270319-000002")
        #expect(counter.next(at: at("2027-03-20T00:01:00+03:00"), line: "fxo0") == "20270320-000003")
    }

    @Test func neverReset() throws {
        var counter = TicketCounter(format: try TicketFormat(parsing: "{seq:4}"), reset: .never, timeZone: moscow)
        var issued: [String] = []
        for hour in stride(from: 0, to: 24 * 5, by: 7) {
            issued.append(
                counter.next(at: at("2027-03-14T00:00:00+03:00").addingTimeInterval(Double(hour) * 3600), line: ""))
        }
        #expect(issued == (1...issued.count).map { String(format: "%04d", $0) })
    }

    @Test func resumingAfterRestart() throws {
        let format = try TicketFormat(parsing: "{date:yyyyMMdd}-{seq:6}")
        var counter = TicketCounter(
            format: format, reset: .daily, timeZone: moscow, resumingAfter: 41,
            issuedAt: at("2027-03-14T12:00:00+03:00"))
        #expect(counter.next(at: at("2027-03-14T12:05:00+03:00"), line: "") == "20270314-000042")
        #expect(counter.next(at: at("2027-03-15T00:05:00+03:00"), line: "") == "20270315-000001")
    }

    /// Every error, with its message.
    @Test(arguments: [
        (
            "{date:yyyyMMdd}-{seq:6",
            "\"{date:yyyyMMdd}-{seq:6\": unbalanced braces: \"{\" at character 17 is never closed"
        ),
        (
            "{date:yyyyMMdd-{seq:6}",
            "\"{date:yyyyMMdd-{seq:6}\": unbalanced braces: \"{\" at character 1 is not closed before the \"{\" at character 16"
        ),
        ("seq:6}", "\"seq:6}\": unbalanced braces: \"}\" at character 6 has no matching \"{\""),
        ("{seq:6}}", "\"{seq:6}}\": unbalanced braces: \"}\" at character 8 has no matching \"{\""),
        ("{foo}-{seq:6}", "\"{foo}-{seq:6}\": unknown field {foo}; expected {date:PATTERN}, {seq:N} or {line}"),
        ("{}-{seq:6}", "\"{}-{seq:6}\": unknown field {}; expected {date:PATTERN}, {seq:N} or {line}"),
        ("{Seq:6}", "\"{Seq:6}\": unknown field {Seq:6}; expected {date:PATTERN}, {seq:N} or {line}"),
        ("{seq}", "\"{seq}\": {seq} needs a width 1-12, such as {seq:6}"),
        ("{seq:}", "\"{seq:}\": {seq} needs a width 1-12, such as {seq:6}"),
        ("{seq:0}", "\"{seq:0}\": {seq:0}: width 0 is out of range 1-12"),
        ("{seq:13}", "\"{seq:13}\": {seq:13}: width 13 is out of range 1-12"),
        ("{seq:six}", "\"{seq:six}\": {seq:six}: width \"six\" is not a number 1-12"),
        ("{seq:-1}", "\"{seq:-1}\": {seq:-1}: width \"-1\" is not a number 1-12"),
        ("{date}-{seq:6}", "\"{date}-{seq:6}\": {date} needs a pattern, such as {date:yyyyMMdd}"),
        (
            "{date:yyyyMMddQ}-{seq:6}",
            "\"{date:yyyyMMddQ}-{seq:6}\": unknown date pattern \"Q\" in {date:yyyyMMddQ}; "
                + "expected yyyy, yy, MM, dd, HH, mm or ss"
        ),
        (
            "{date:yyyMMdd}-{seq:6}",
            "\"{date:yyyMMdd}-{seq:6}\": unknown date pattern \"yyy\" in {date:yyyMMdd}; "
                + "expected yyyy, yy, MM, dd, HH, mm or ss"
        ),
        (
            "{date:YYYYMMdd}-{seq:6}",
            "\"{date:YYYYMMdd}-{seq:6}\": unknown date pattern \"YYYY\" in {date:YYYYMMdd}; "
                + "expected yyyy, yy, MM, dd, HH, mm or ss"
        ),
        (
            "{date:yyyyMd}-{seq:6}",
            "\"{date:yyyyMd}-{seq:6}\": unknown date pattern \"M\" in {date:yyyyMd}; "
                + "expected yyyy, yy, MM, dd, HH, mm or ss"
        ),
        ("{line:x}-{seq:6}", "\"{line:x}-{seq:6}\": {line:x}: {line} takes no argument"),
        (
            "{date:yyyyMMdd}",
            "\"{date:yyyyMMdd}\": no {seq:N} field; a ticket format needs one so that tickets differ, "
                + "such as {date:yyyyMMdd}-{seq:6}"
        ),
        (
            "",
            "\"\": no {seq:N} field; a ticket format needs one so that tickets differ, such as {date:yyyyMMdd}-{seq:6}"
        ),
    ])
    func formatErrors(text: String, message: String) {
        #expect(throws: TicketFormatError(message)) { try TicketFormat(parsing: text) }
    }
}
