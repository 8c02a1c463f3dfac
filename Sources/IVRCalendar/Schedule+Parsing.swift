import Foundation

// Parsers for the string forms of ivr-config.md §3.5. Every error message starts with the offending
// text in quotes, then says what is wrong and what is expected.

// MARK: - ScheduleState

extension ScheduleState {
    /// `open`, `closed` or `holiday` (as in `always: open`).
    public init(parsing text: String) throws(ScheduleError) {
        guard let state = ScheduleState(rawValue: text) else {
            throw ScheduleError("\"\(text)\": unknown state; expected open, closed or holiday")
        }
        self = state
    }
}

// MARK: - Weekday

extension Weekday {
    /// One day name: `mon` ... `sun`, or the full English name; case-insensitive.
    public init(parsing text: String) throws(ScheduleError) {
        guard let day = Weekday.named(text) else {
            throw ScheduleError("\"\(text)\": unknown day; expected \(Self.expectedDays)")
        }
        self = day
    }

    /// One item of a `days:` list: a day (`mon`) or an inclusive range (`mon-fri`); a range whose end
    /// comes before its start wraps over the weekend (`fri-mon` is Friday, Saturday, Sunday, Monday).
    /// Case-insensitive; spaces around the names are ignored.
    public static func days(parsing item: String) throws(ScheduleError) -> [Weekday] {
        let parts = item.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 1 {
            return [try Weekday(parsing: item.trimmingCharacters(in: .whitespaces))]
        }
        guard parts.count == 2 else {
            throw ScheduleError("\"\(item)\": a day range needs exactly two days, such as mon-fri")
        }
        var ends: [Weekday] = []
        for part in parts {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                throw ScheduleError("\"\(item)\": a day range needs exactly two days, such as mon-fri")
            }
            guard let day = Weekday.named(name) else {
                throw ScheduleError("\"\(item)\": unknown day \"\(name)\"; expected \(Self.expectedDays)")
            }
            ends.append(day)
        }
        var days = [ends[0]]
        while days.last != ends[1] { days.append(days.last!.next) }
        return days
    }

    /// A whole `days:` list, e.g. `["mon-fri", "sun"]`; duplicates are allowed. Throws for an empty list.
    public static func days(parsing items: [String]) throws(ScheduleError) -> Set<Weekday> {
        guard !items.isEmpty else {
            throw ScheduleError(
                "\"[]\": the list of days is empty; expected at least one day or range, such as mon-fri")
        }
        var days: Set<Weekday> = []
        for item in items { days.formUnion(try Weekday.days(parsing: item)) }
        return days
    }

    static let fullNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    static let expectedDays = "mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri"

    static func named(_ text: String) -> Weekday? {
        let lower = text.lowercased()
        guard let index = names.firstIndex(of: lower) ?? fullNames.firstIndex(of: lower) else { return nil }
        return Weekday(rawValue: index + 1)
    }
}

// MARK: - TimeOfDay

extension TimeOfDay {
    /// `HH:MM` (or `H:MM`), 00:00 ... 24:00.
    public init(parsing text: String) throws(ScheduleError) {
        switch Self.parse(text.trimmingCharacters(in: .whitespaces)) {
        case .success(let time): self = time
        case .failure(.malformed): throw ScheduleError("\"\(text)\": expected a time HH:MM, such as 09:00")
        case .failure(.outOfRange(let detail)): throw ScheduleError("\"\(text)\": \(detail)")
        }
    }

    enum ParseFailure: Error {
        case malformed
        case outOfRange(String)
    }

    /// One or two hour digits, a colon, two minute digits; then the range checks.
    static func parse(_ text: String) -> Result<TimeOfDay, ParseFailure> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }), let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return .failure(.malformed) }
        guard hour <= 24 else { return .failure(.outOfRange("hour \(parts[0]) is out of range 00-24")) }
        guard minute <= 59 else { return .failure(.outOfRange("minute \(parts[1]) is out of range 00-59")) }
        guard let time = TimeOfDay(hour: hour, minute: minute) else {
            return .failure(.outOfRange("\(parts[0]):\(parts[1]) is past the end of the day; the latest time is 24:00"))
        }
        return .success(time)
    }
}

// MARK: - TimeWindow

extension TimeWindow {
    /// `HH:MM-HH:MM`: `"09:00-19:00"`, `"22:00-06:00"` (wraps midnight), `"15:00-24:00"`.
    public init(parsing text: String) throws(ScheduleError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ScheduleError("\"\(text)\": expected a window HH:MM-HH:MM, such as 09:00-19:00")
        }
        var ends: [TimeOfDay] = []
        for part in parts {
            let clock = part.trimmingCharacters(in: .whitespaces)
            switch TimeOfDay.parse(clock) {
            case .success(let time): ends.append(time)
            case .failure(.malformed):
                throw ScheduleError(
                    "\"\(text)\": \"\(clock)\" is not a time; expected a window HH:MM-HH:MM, such as 09:00-19:00")
            case .failure(.outOfRange(let detail)): throw ScheduleError("\"\(text)\": \(detail)")
            }
        }
        guard ends[0] != .endOfDay else {
            throw ScheduleError("\"\(text)\": 24:00 is allowed only as the end of a window; start at 00:00")
        }
        guard ends[0] != ends[1] else {
            throw ScheduleError(
                "\"\(text)\": start and end are equal; a window needs a length (the whole day is 00:00-24:00)")
        }
        try self.init(start: ends[0], end: ends[1])
    }

    /// A whole `hours:` list. Throws for an empty list (leave the key out for the whole day).
    public static func windows(parsing items: [String]) throws(ScheduleError) -> [TimeWindow] {
        guard !items.isEmpty else {
            throw ScheduleError("\"[]\": the list of hours is empty; expected at least one window, such as 09:00-19:00")
        }
        var windows: [TimeWindow] = []
        for item in items { windows.append(try TimeWindow(parsing: item)) }
        return windows
    }
}

// MARK: - CalendarDate

extension CalendarDate {
    /// `YYYY-MM-DD`, a date that exists.
    public init(parsing text: String) throws(ScheduleError) {
        switch Self.parse(text.trimmingCharacters(in: .whitespaces)) {
        case .success(let date): self = date
        case .failure(.malformed): throw ScheduleError("\"\(text)\": expected a date YYYY-MM-DD, such as 2027-01-08")
        case .failure(.outOfRange(let detail)): throw ScheduleError("\"\(text)\": \(detail)")
        }
    }

    static func parse(_ text: String) -> Result<CalendarDate, TimeOfDay.ParseFailure> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return .failure(.malformed) }
        guard (1...12).contains(month) else { return .failure(.outOfRange("month \(parts[1]) is out of range 01-12")) }
        let dayCount = daysInMonth(year: year, month: month)
        guard let date = CalendarDate(year: year, month: month, day: day) else {
            return .failure(
                .outOfRange(
                    "day \(parts[2]) is out of range 01-\(dayCount) (\(parts[0])-\(parts[1]) has \(dayCount) days)")
            )
        }
        return .success(date)
    }
}

// MARK: - DateRange

extension DateRange {
    /// `YYYY-MM-DD` (one day) or `YYYY-MM-DD..YYYY-MM-DD` (inclusive).
    public init(parsing text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.components(separatedBy: "..")
        guard parts.count <= 2 else {
            throw ScheduleError("\"\(text)\": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
        }
        var dates: [CalendarDate] = []
        for part in parts {
            let dateText = part.trimmingCharacters(in: .whitespaces)
            switch CalendarDate.parse(dateText) {
            case .success(let date): dates.append(date)
            case .failure(.malformed):
                let what = parts.count == 1 ? "" : "\"\(dateText)\" is not a date; "
                throw ScheduleError("\"\(text)\": \(what)expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
            case .failure(.outOfRange(let detail)):
                let which = parts.count == 1 ? "" : "\(dateText): "
                throw ScheduleError("\"\(text)\": \(which)\(detail)")
            }
        }
        guard let last = dates.last, last >= dates[0] else {
            throw ScheduleError("\"\(text)\": the end \(dates[1]) is before the start \(dates[0])")
        }
        try self.init(first: dates[0], last: last)
    }
}

// MARK: - Time zone

extension Schedule {
    /// A time zone by its IANA tz database name (`Europe/Moscow`, `America/New_York`, `UTC`).
    ///
    /// Rejects unknown names, abbreviations (`MSK`, `EST`: ambiguous and blind to DST rules) and fixed
    /// offsets (`GMT+3`), and suggests the right spelling when only the case is wrong.
    public static func timeZone(named name: String) throws(ScheduleError) -> TimeZone {
        if name == "UTC" || name == "GMT", let zone = TimeZone(identifier: name) { return zone }
        if name.contains("/"), let zone = TimeZone(identifier: name), zone.identifier == name { return zone }

        let expected = "expected an IANA time zone name (Area/Location), such as Europe/Moscow"
        let upper = name.uppercased()
        if upper.hasPrefix("GMT+") || upper.hasPrefix("GMT-") || upper.hasPrefix("UTC+") || upper.hasPrefix("UTC-") {
            throw ScheduleError("\"\(name)\": a fixed UTC offset is not a time zone; \(expected)")
        }
        if !name.contains("/"), let zone = TimeZone(abbreviation: name), zone.identifier.contains("/") {
            throw ScheduleError(
                "\"\(name)\": time zone abbreviations are ambiguous; expected an IANA time zone name (Area/Location), "
                    + "such as \(zone.identifier)")
        }
        let lower = name.lowercased()
        if let match = Self.knownTimeZoneIdentifiers.first(where: { $0.lowercased() == lower }) {
            throw ScheduleError("\"\(name)\": unknown time zone; did you mean \(match)?")
        }
        throw ScheduleError("\"\(name)\": unknown time zone; \(expected)")
    }

    static let knownTimeZoneIdentifiers = TimeZone.knownTimeZoneIdentifiers
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
