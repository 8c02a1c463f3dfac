import Foundation

/// ISO 8601 timestamps for the call log and the simulator (ivr-config.md §3.7).
///
/// Formatting is plain integer arithmetic on days since 1970 (proleptic Gregorian calendar): no
/// `DateFormatter`, no `Calendar`, one small string per call. The local form asks the `TimeZone` for
/// its offset at the instant, which is the only tz database lookup.
///
/// Milliseconds are **truncated**, never rounded, so that an event never appears in the log later
/// than it happened (and an instant at 18:59:59.9996 never prints as 19:00:00.000, the first instant
/// of a closed interval). `Date` stores a `Double`, which cannot hold most millisecond values exactly;
/// an instant that lies within the `Double` representation error below a millisecond (at most about
/// one unit in the last place, 0.1 µs in this century, plus 1 ns) counts as that millisecond, so that
/// `parse` followed by `iso8601UTC` gives back the same text.
public enum Timestamp {
    /// The instant in UTC with milliseconds, e.g. `2027-03-14T15:59:03.412Z` (24 characters for
    /// years 0000-9999).
    ///
    /// Cost: integer arithmetic and one string; no formatter.
    public static func iso8601UTC(_ date: Date) -> String {
        let milliseconds = millisecondsSince1970(date)
        return render(millisecondsSince1970: milliseconds, offsetSeconds: nil)
    }

    /// The instant as local wall-clock time of `timeZone` with its UTC offset at that instant, e.g.
    /// `2027-03-14T18:59:03.412+03:00`; milliseconds truncated as in ``iso8601UTC(_:)``.
    ///
    /// A zero offset prints as `+00:00` (not `Z`). Historical local mean time offsets that are not
    /// whole minutes print with seconds, `+02:30:17`, as Foundation's `ISO8601DateFormatter` does.
    public static func iso8601Local(_ date: Date, timeZone: TimeZone) -> String {
        let milliseconds = millisecondsSince1970(date)
        let offsetSeconds = timeZone.secondsFromGMT(for: date)
        return render(millisecondsSince1970: milliseconds + offsetSeconds * 1000, offsetSeconds: offsetSeconds)
    }

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of a second (`.5`,
    /// `.412`, up to nanoseconds; further digits are ignored), then `Z` or an offset `+HH:MM` /
    /// `-HH:MM` (`+HHMM` is accepted too). `T` and `Z` may be lower case.
    ///
    /// Returns nil for anything else: a missing offset (local time is ambiguous), a missing seconds
    /// field, a date that does not exist (`2027-02-29`), hour 24, or a leap second (`:60`).
    public static func parse(_ string: String) -> Date? {
        var text = string
        return text.withUTF8 { bytes -> Date? in
            var scanner = ByteScanner(bytes: bytes)
            return scanner.dateTime()
        }
    }
}

// MARK: - Arithmetic

extension Timestamp {
    /// Seconds between 1970-01-01 and 2001-01-01 (Foundation's reference date).
    static let referenceDateSince1970Seconds = 978_307_200

    /// Whole milliseconds since 1970-01-01T00:00:00Z, truncated toward the past (see the type's
    /// comment for the representation tolerance).
    public static func millisecondsSince1970(_ date: Date) -> Int {
        var reference = date.timeIntervalSinceReferenceDate
        if !reference.isFinite { reference = 0 }
        // Keep far-out dates inside Int range (about ±292 million years of milliseconds).
        reference = min(max(reference, -1e14), 1e14)
        let wholeSeconds = reference.rounded(.down)
        let fraction = reference - wholeSeconds  // exact: the low bits of `reference`
        // Sums of sample times (multiples of 125 µs) carry a few ulps of rounding: half a microsecond of
        // slack keeps an instant that is exactly on a millisecond from printing as the one before.
        let tolerance = max(reference.ulp, 5e-7)
        var milliseconds = Int(((fraction + tolerance) * 1000).rounded(.down))
        var seconds = Int(wholeSeconds)
        if milliseconds >= 1000 {
            milliseconds -= 1000
            seconds += 1
        }
        return (seconds + referenceDateSince1970Seconds) * 1000 + milliseconds
    }

    /// Whole seconds since 1970, truncated toward the past, consistent with the printed timestamp.
    static func secondsSince1970(_ date: Date) -> Int {
        floorDivide(millisecondsSince1970(date), 1000)
    }

    /// The `Date` at whole seconds since 1970, built on the reference date so that it is exact.
    static func date(secondsSince1970 seconds: Int) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(seconds - referenceDateSince1970Seconds))
    }

    /// Floor division (rounds toward negative infinity), for instants before 1970.
    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// Renders local (or UTC) milliseconds since 1970 followed by `Z` (nil offset) or the offset.
    static func render(millisecondsSince1970 milliseconds: Int, offsetSeconds: Int?) -> String {
        let seconds = floorDivide(milliseconds, 1000)
        let millisecond = milliseconds - seconds * 1000
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let date = CalendarDate(daysSince1970: days)
        return String(unsafeUninitializedCapacity: 40) { buffer in
            var writer = ByteWriter(buffer: buffer)
            writer.year(date.year)
            writer.byte(UInt8(ascii: "-"))
            writer.digits(date.month, width: 2)
            writer.byte(UInt8(ascii: "-"))
            writer.digits(date.day, width: 2)
            writer.byte(UInt8(ascii: "T"))
            writer.digits(secondOfDay / 3600, width: 2)
            writer.byte(UInt8(ascii: ":"))
            writer.digits(secondOfDay / 60 % 60, width: 2)
            writer.byte(UInt8(ascii: ":"))
            writer.digits(secondOfDay % 60, width: 2)
            writer.byte(UInt8(ascii: "."))
            writer.digits(millisecond, width: 3)
            if let offsetSeconds {
                let magnitude = abs(offsetSeconds)
                writer.byte(UInt8(ascii: offsetSeconds < 0 ? "-" : "+"))
                writer.digits(magnitude / 3600, width: 2)
                writer.byte(UInt8(ascii: ":"))
                writer.digits(magnitude / 60 % 60, width: 2)
                if magnitude % 60 != 0 {
                    writer.byte(UInt8(ascii: ":"))
                    writer.digits(magnitude % 60, width: 2)
                }
            } else {
                writer.byte(UInt8(ascii: "Z"))
            }
            return writer.count
        }
    }
}

// MARK: - Writing

/// Appends ASCII into a string's uninitialized buffer.
struct ByteWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    mutating func byte(_ value: UInt8) {
        buffer[count] = value
        count += 1
    }

    /// A non-negative number zero-padded to `width`; wider numbers keep all their digits.
    mutating func digits(_ value: Int, width: Int) {
        var length = 1
        var probe = value / 10
        while probe > 0 {
            length += 1
            probe /= 10
        }
        let total = max(width, length)
        var rest = value
        for position in stride(from: count + total - 1, through: count, by: -1) {
            buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += total
    }

    /// Four digits for years 0000-9999, otherwise a sign and all digits (ISO 8601 expanded form).
    mutating func year(_ value: Int) {
        if value < 0 { byte(UInt8(ascii: "-")) } else if value > 9999 { byte(UInt8(ascii: "+")) }
        digits(abs(value), width: 4)
    }
}

// MARK: - Parsing

/// Reads an RFC 3339 date-time from UTF-8 bytes.
private struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// Exactly `count` ASCII digits as a number, or nil.
    mutating func number(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for _ in 0..<count {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            index += 1
        }
        return value
    }

    /// Consumes one byte if it is one of `choices`.
    mutating func expect(_ choices: UInt8...) -> UInt8? {
        guard index < bytes.count, choices.contains(bytes[index]) else { return nil }
        index += 1
        return bytes[index - 1]
    }

    mutating func dateTime() -> Date? {
        guard let year = number(4), expect(UInt8(ascii: "-")) != nil,
            let month = number(2), expect(UInt8(ascii: "-")) != nil,
            let day = number(2), let date = CalendarDate(year: year, month: month, day: day),
            expect(UInt8(ascii: "T"), UInt8(ascii: "t")) != nil,
            let hour = number(2), hour < 24, expect(UInt8(ascii: ":")) != nil,
            let minute = number(2), minute < 60, expect(UInt8(ascii: ":")) != nil,
            let second = number(2), second < 60
        else { return nil }

        var nanoseconds = 0
        if expect(UInt8(ascii: "."), UInt8(ascii: ",")) != nil {
            var digitCount = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if digitCount < 9 { nanoseconds = nanoseconds * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                digitCount += 1
                index += 1
            }
            guard digitCount > 0 else { return nil }
            for _ in min(digitCount, 9)..<9 { nanoseconds *= 10 }
        }

        var offsetSeconds = 0
        if expect(UInt8(ascii: "Z"), UInt8(ascii: "z")) == nil {
            guard let sign = expect(UInt8(ascii: "+"), UInt8(ascii: "-")), let offsetHours = number(2),
                offsetHours < 24
            else { return nil }
            _ = expect(UInt8(ascii: ":"))
            guard let offsetMinutes = number(2), offsetMinutes < 60 else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard index == bytes.count else { return nil }

        let localSeconds = date.daysSince1970 * 86_400 + hour * 3600 + minute * 60 + second
        let secondsSinceReference = localSeconds - offsetSeconds - Timestamp.referenceDateSince1970Seconds
        return Date(timeIntervalSinceReferenceDate: Double(secondsSinceReference) + Double(nanoseconds) / 1e9)
    }
}
