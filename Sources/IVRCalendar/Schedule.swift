import Foundation

/// What a schedule says at an instant (ivr-config.md §3.5). The raw values are the YAML spellings
/// (`always: open`, `state: holiday`).
public enum ScheduleState: String, Sendable, Hashable, CaseIterable {
    case open
    case closed
    case holiday
}

/// A schedule string or time zone that does not parse. `message` quotes the offending text, says what
/// is wrong and what is expected, e.g. `"25:00-26:00": hour 25 is out of range 00-24`; the caller adds
/// the file position.
public struct ScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what is expected.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

// MARK: - Weekday

/// A day of the week, numbered as ISO 8601 does (Monday = 1 ... Sunday = 7).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case monday = 1
    case tuesday, wednesday, thursday, friday, saturday, sunday

    /// The three-letter name used in configuration files: `mon` ... `sun`.
    public var name: String { Self.names[rawValue - 1] }

    public var description: String { name }

    /// The day after this one (Sunday is followed by Monday).
    public var next: Weekday { Weekday(rawValue: rawValue % 7 + 1)! }

    /// The weekday of a day counted from 1970-01-01, which was a Thursday.
    public init(daysSince1970 days: Int) {
        let mondayBased = ((days + 3) % 7 + 7) % 7  // 0 = Monday
        self = Weekday(rawValue: mondayBased + 1)!
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }

    static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
}

// MARK: - TimeOfDay

/// A wall-clock time with minute resolution: 00:00 ... 24:00, where 24:00 (1440 minutes) is valid only
/// as the end of a ``TimeWindow``.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes since local midnight, 0...1440.
    public let minutesSinceMidnight: Int

    /// Nil unless `minutesSinceMidnight` is in 0...1440.
    public init?(minutesSinceMidnight: Int) {
        guard (0...Self.minutesPerDay).contains(minutesSinceMidnight) else { return nil }
        self.minutesSinceMidnight = minutesSinceMidnight
    }

    /// Nil unless hour is 0...23 and minute 0...59, or the time is 24:00.
    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour) && (0...59).contains(minute) || (hour == 24 && minute == 0) else {
            return nil
        }
        self.minutesSinceMidnight = hour * 60 + minute
    }

    /// 00:00.
    public static let midnight = TimeOfDay(minutesSinceMidnight: 0)!
    /// 24:00, the end of the day.
    public static let endOfDay = TimeOfDay(minutesSinceMidnight: minutesPerDay)!

    /// The hour, 0...24.
    public var hour: Int { minutesSinceMidnight / 60 }
    /// The minute, 0...59.
    public var minute: Int { minutesSinceMidnight % 60 }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + (minute < 10 ? ":0" : ":") + String(minute)
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool {
        lhs.minutesSinceMidnight < rhs.minutesSinceMidnight
    }

    static let minutesPerDay = 1440
}

// MARK: - TimeWindow

/// A half-open interval of wall-clock time `[start, end)` on the day it belongs to.
///
/// When `end` is earlier than `start` (`22:00-06:00`) the window wraps midnight: it covers
/// `[start, 24:00)` on its own day and `[00:00, end)` on the next day, and it belongs to the day on
/// which it *starts* (a Friday rule `22:00-06:00` covers Friday night and Saturday morning).
/// `00:00-24:00` is the whole day; `start == end` is rejected as ambiguous (empty or whole day?).
public struct TimeWindow: Sendable, Hashable, CustomStringConvertible {
    /// The first minute inside the window (never 24:00).
    public let start: TimeOfDay
    /// The first minute after the window, on the next day if the window wraps.
    public let end: TimeOfDay

    /// Throws if `start` is 24:00 or `start == end`.
    public init(start: TimeOfDay, end: TimeOfDay) throws(ScheduleError) {
        let text = "\(start)-\(end)"
        guard start != .endOfDay else {
            throw ScheduleError("\"\(text)\": 24:00 is allowed only as the end of a window")
        }
        guard start != end else {
            throw ScheduleError(
                "\"\(text)\": start and end are equal; a window needs a length (the whole day is 00:00-24:00)")
        }
        self.start = start
        self.end = end
    }

    /// `00:00-24:00`.
    public static let wholeDay = try! TimeWindow(start: .midnight, end: .endOfDay)

    /// True when the window ends on the next day (`end` earlier than `start`).
    public var wrapsMidnight: Bool { end < start }

    /// The length of the window in minutes (1...1440).
    public var durationMinutes: Int {
        let length = end.minutesSinceMidnight - start.minutesSinceMidnight
        return length > 0 ? length : length + TimeOfDay.minutesPerDay
    }

    /// `HH:MM-HH:MM`.
    public var description: String { "\(start)-\(end)" }

    /// Whether the window covers `secondOfDay` (0..<86400) of the day it belongs to.
    @inlinable
    public func contains(secondOfStartDay secondOfDay: Int) -> Bool {
        let startSecond = start.minutesSinceMidnight * 60
        if wrapsMidnight { return secondOfDay >= startSecond }
        return secondOfDay >= startSecond && secondOfDay < end.minutesSinceMidnight * 60
    }

    /// Whether the part after midnight of a wrapping window covers `secondOfDay` of the next day.
    @inlinable
    public func contains(secondOfNextDay secondOfDay: Int) -> Bool {
        wrapsMidnight && secondOfDay < end.minutesSinceMidnight * 60
    }
}

// MARK: - CalendarDate

/// A day of the proleptic Gregorian calendar, without a time zone.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...28/29/30/31.
    public let day: Int

    /// Nil unless the date exists (`2027-02-29` does not; `2028-02-29` does).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `days` after 1970-01-01 (negative: before it).
    public init(daysSince1970 days: Int) {
        // Count from 0000-03-01 so that the leap day ends each 4/100/400-year cycle.
        let shifted = days + Self.daysFromMarch0000To1970
        let era = Timestamp.floorDivide(shifted, Self.daysPer400Years)
        let dayOfEra = shifted - era * Self.daysPer400Years  // 0...146096
        let yearOfEra =
            (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / (Self.daysPer400Years - 1)) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1
        let marchBasedMonth = (5 * dayOfYear + 2) / 153  // 0 = March ... 11 = February
        self.day = dayOfYear - (153 * marchBasedMonth + 2) / 5 + 1
        self.month = marchBasedMonth < 10 ? marchBasedMonth + 3 : marchBasedMonth - 9
        self.year = era * 400 + yearOfEra + (self.month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSince1970: Int {
        let marchBasedYear = month <= 2 ? year - 1 : year
        let era = Timestamp.floorDivide(marchBasedYear, 400)
        let yearOfEra = marchBasedYear - era * 400
        let marchBasedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * marchBasedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * Self.daysPer400Years + dayOfEra - Self.daysFromMarch0000To1970
    }

    /// The day of the week.
    public var weekday: Weekday { Weekday(daysSince1970: daysSince1970) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return paddedYear + (month < 10 ? "-0" : "-") + String(month) + (day < 10 ? "-0" : "-") + String(day)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Gregorian leap year rule: every 4th year, except centuries not divisible by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// 28...31.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static let daysPer400Years = 146_097
    static let daysFromMarch0000To1970 = 719_468
}

// MARK: - DateRange

/// Inclusive calendar days `first...last` (`"2027-01-01..2027-01-08"` is eight days).
public struct DateRange: Sendable, Hashable, CustomStringConvertible {
    public let first: CalendarDate
    public let last: CalendarDate
    /// `first` and `last` as days since 1970, for cheap membership tests.
    @usableFromInline let firstDay: Int
    @usableFromInline let lastDay: Int

    /// Throws if `last` is before `first`.
    public init(first: CalendarDate, last: CalendarDate) throws(ScheduleError) {
        guard last >= first else {
            throw ScheduleError("\"\(first)..\(last)\": the end \(last) is before the start \(first)")
        }
        self.first = first
        self.last = last
        self.firstDay = first.daysSince1970
        self.lastDay = last.daysSince1970
    }

    /// The single day `date`.
    public init(_ date: CalendarDate) {
        self.first = date
        self.last = date
        self.firstDay = date.daysSince1970
        self.lastDay = firstDay
    }

    /// Whether `date` is one of the days.
    public func contains(_ date: CalendarDate) -> Bool { contains(daysSince1970: date.daysSince1970) }

    /// Whether the day `days` after 1970-01-01 is one of the days.
    @inlinable
    public func contains(daysSince1970 days: Int) -> Bool { days >= firstDay && days <= lastDay }

    /// The number of days, at least 1.
    public var dayCount: Int { lastDay - firstDay + 1 }

    /// `YYYY-MM-DD` for one day, `YYYY-MM-DD..YYYY-MM-DD` otherwise.
    public var description: String { first == last ? "\(first)" : "\(first)..\(last)" }
}

// MARK: - Rules

/// Open windows on some days of every week: `{ days: [mon-fri], hours: ["09:00-19:00"] }`.
public struct WeeklyRule: Sendable, Hashable {
    public var days: Set<Weekday>
    /// Open windows; a wrapping window belongs to the day on which it starts.
    public var windows: [TimeWindow]

    public init(days: Set<Weekday>, windows: [TimeWindow]) {
        self.days = days
        self.windows = windows
    }
}

/// A rule for particular dates: a holiday (closed) or a special working day (open).
public struct DatedRule: Sendable, Hashable {
    public var dates: DateRange
    /// The windows on each of the dates; nil means the whole day.
    public var windows: [TimeWindow]?
    /// For logs ("New Year holidays").
    public var name: String?

    public init(dates: DateRange, windows: [TimeWindow]? = nil, name: String? = nil) {
        self.dates = dates
        self.windows = windows
        self.name = name
    }
}

// MARK: - Schedule

/// Business hours in one time zone, with holidays and transferred working days (ivr-config.md §3.5).
///
/// ``state(at:)`` converts the instant to local wall-clock time with the tz database (the offset in
/// force at that instant), then applies, in order of precedence:
///
/// 1. **holidays** → `.holiday`. A holiday without `windows` covers its dates from 00:00 to 24:00; a
///    holiday with `windows` (`hours: ["15:00-24:00"]`) covers only those windows, and the normal rules
///    apply for the rest of the day. A holiday always wins for the time it covers, **including the
///    part after midnight of a window that started the day before**: with a Friday rule
///    `22:00-06:00` and a holiday on Saturday, Friday 22:00-24:00 is open and Saturday 00:00-06:00 is
///    holiday. (To keep such a night shift running, give the holiday `hours: ["06:00-24:00"]`.)
/// 2. **always** (`always: open`): when set, the state for every instant not covered by a holiday;
///    `weekly` and `specialOpen` are then ignored.
/// 3. **specialOpen** → `.open` within its windows (nil windows: the whole day). A date listed in
///    `specialOpen` is a working day with its own windows: the weekly rule of that weekday does not
///    apply to windows *starting* on that date (a working Saturday with `09:00-18:00`).
/// 4. **weekly** → `.open` within the windows of the rules whose days contain the local weekday.
/// 5. Otherwise `.closed`.
///
/// Every window belongs to the date on which it starts, and that date's rules decide whether it
/// exists: a wrapping window (Friday `22:00-06:00`) covers Saturday 00:00-06:00 even if Saturday has no
/// rule of its own, does not exist if its starting date is a whole-day holiday (no shift starts on a
/// holiday), and is replaced if its starting date is in `specialOpen`. A partial holiday on the
/// starting date closes only its own hours.
///
/// Intervals are half-open `[start, end)` on whole local minutes, evaluated on whole seconds of the
/// instant truncated as ``Timestamp`` prints them (18:59:59.999 is before 19:00). DST: on a
/// spring-forward day the skipped wall-clock hour simply does not occur; on a fall-back day the
/// repeated hour is evaluated by its wall-clock time both times.
///
/// Cost: one `TimeZone.secondsFromGMT(for:)` and a linear scan of the rules per call.
public struct Schedule: Sendable, Hashable {
    /// The zone whose wall-clock times the windows are written in.
    public var timeZone: TimeZone
    /// The state at every instant not covered by a holiday, replacing `weekly` and `specialOpen`.
    public var always: ScheduleState?
    public var weekly: [WeeklyRule]
    public var holidays: [DatedRule]
    public var specialOpen: [DatedRule]

    public init(
        timeZone: TimeZone, always: ScheduleState? = nil, weekly: [WeeklyRule] = [], holidays: [DatedRule] = [],
        specialOpen: [DatedRule] = []
    ) {
        self.timeZone = timeZone
        self.always = always
        self.weekly = weekly
        self.holidays = holidays
        self.specialOpen = specialOpen
    }

    /// The state at `date`; see the type's comment for the rules.
    public func state(at date: Date) -> ScheduleState {
        state(at: localTime(secondsSince1970: Timestamp.secondsSince1970(date)))
    }

    /// The index in ``holidays`` of the first holiday rule that covers `date`, or nil. Use it to find the
    /// holiday's name, prompt or route for the call.
    public func holidayIndex(at date: Date) -> Int? {
        holidayIndex(at: localTime(secondsSince1970: Timestamp.secondsSince1970(date)))
    }

    /// The local calendar date of `date` in ``timeZone``.
    public func localDate(at date: Date) -> CalendarDate {
        CalendarDate(daysSince1970: localTime(secondsSince1970: Timestamp.secondsSince1970(date)).day)
    }
}

// MARK: - Evaluation

extension Schedule {
    /// Local wall-clock time: the day since 1970 and the second of that day.
    struct LocalTime: Hashable {
        var day: Int
        var secondOfDay: Int
    }

    func offsetSeconds(atSecondsSince1970 seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Timestamp.date(secondsSince1970: seconds))
    }

    func localTime(secondsSince1970 seconds: Int) -> LocalTime {
        let local = seconds + offsetSeconds(atSecondsSince1970: seconds)
        let day = Timestamp.floorDivide(local, 86_400)
        return LocalTime(day: day, secondOfDay: local - day * 86_400)
    }

    func state(at time: LocalTime) -> ScheduleState {
        if holidayIndex(at: time) != nil { return .holiday }
        if let always { return always }
        return isOpen(at: time) ? .open : .closed
    }

    func holidayIndex(at time: LocalTime) -> Int? {
        for (index, rule) in holidays.enumerated() {
            guard let windows = rule.windows else {
                if rule.dates.contains(daysSince1970: time.day) { return index }
                continue
            }
            if rule.dates.contains(daysSince1970: time.day),
                windows.contains(where: { $0.contains(secondOfStartDay: time.secondOfDay) })
            {
                return index
            }
            if rule.dates.contains(daysSince1970: time.day - 1),
                windows.contains(where: { $0.contains(secondOfNextDay: time.secondOfDay) })
            {
                return index
            }
        }
        return nil
    }

    /// Open by a window that starts today, or by the after-midnight part of one that started yesterday
    /// (unless yesterday was a whole-day holiday).
    func isOpen(at time: LocalTime) -> Bool {
        if hasWindow(startingOn: time.day, where: { $0.contains(secondOfStartDay: time.secondOfDay) }) {
            return true
        }
        let yesterday = time.day - 1
        if holidays.contains(where: { $0.windows == nil && $0.dates.contains(daysSince1970: yesterday) }) {
            return false
        }
        return hasWindow(startingOn: yesterday, where: { $0.contains(secondOfNextDay: time.secondOfDay) })
    }

    /// Whether an open window owned by `day` satisfies `test`: the `specialOpen` windows if the day is
    /// listed there, otherwise the weekly windows of its weekday.
    func hasWindow(startingOn day: Int, where test: (TimeWindow) -> Bool) -> Bool {
        var isSpecial = false
        for rule in specialOpen where rule.dates.contains(daysSince1970: day) {
            isSpecial = true
            if rule.windows?.contains(where: test) ?? test(.wholeDay) { return true }
        }
        if isSpecial { return false }
        let weekday = Weekday(daysSince1970: day)
        for rule in weekly where rule.days.contains(weekday) {
            if rule.windows.contains(where: test) { return true }
        }
        return false
    }
}

// MARK: - Next change

extension Schedule {
    /// The first instant after `date` at which ``state(at:)`` differs from its value at `date`, or nil
    /// if the state does not change within `horizonDays` days (e.g. `always: open`).
    ///
    /// Useful for logs ("opens at ..."). The result is a whole second (window edges are whole local
    /// minutes; UTC offset changes happen on whole seconds). Cost: a few state evaluations per day
    /// scanned, plus a binary search of about 17 offset lookups at each UTC offset change.
    public func nextChange(after date: Date, horizonDays: Int = 400) -> Date? {
        let startSeconds = Timestamp.secondsSince1970(date)
        let current = state(at: localTime(secondsSince1970: startSeconds))
        let edges = edgeSecondsOfDay()
        let limit = startSeconds + horizonDays * 86_400
        var seconds = startSeconds
        while seconds < limit {
            let offset = offsetSeconds(atSecondsSince1970: seconds)
            let local = seconds + offset
            let secondOfDay = local - Timestamp.floorDivide(local, 86_400) * 86_400
            // Edges are sorted and start with 0, so the day's next edge exists or is next midnight.
            let nextEdge = edges.first(where: { $0 > secondOfDay }) ?? 86_400
            var candidate = seconds + (nextEdge - secondOfDay)
            if offsetSeconds(atSecondsSince1970: candidate) != offset {
                candidate = firstSecond(after: seconds, through: candidate, withOffsetOtherThan: offset)
            }
            if state(at: localTime(secondsSince1970: candidate)) != current {
                return Timestamp.date(secondsSince1970: candidate)
            }
            seconds = candidate
        }
        return nil
    }

    /// Every second of the day at which some window starts or ends, plus midnight, sorted.
    func edgeSecondsOfDay() -> [Int] {
        var edges: Set<Int> = [0]
        func add(_ windows: [TimeWindow]) {
            for window in windows {
                edges.insert(window.start.minutesSinceMidnight * 60 % 86_400)
                edges.insert(window.end.minutesSinceMidnight * 60 % 86_400)
            }
        }
        for rule in weekly { add(rule.windows) }
        for rule in holidays { add(rule.windows ?? []) }
        for rule in specialOpen { add(rule.windows ?? []) }
        return edges.sorted()
    }

    /// The first second in `(low, high]` whose UTC offset differs from `offset` (which holds at `low`
    /// and not at `high`).
    func firstSecond(after low: Int, through high: Int, withOffsetOtherThan offset: Int) -> Int {
        var low = low
        var high = high
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offsetSeconds(atSecondsSince1970: middle) == offset { low = middle } else { high = middle }
        }
        return high
    }
}
