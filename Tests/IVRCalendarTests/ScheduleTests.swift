import Foundation
import Testing

@testable import IVRCalendar

// MARK: - Helpers

private func at(_ text: String) -> Date {
    guard let date = Timestamp.parse(text) else { fatalError("bad test timestamp \(text)") }
    return date
}

private func zone(_ name: String) -> TimeZone {
    try! Schedule.timeZone(named: name)
}

private func window(_ text: String) -> TimeWindow {
    try! TimeWindow(parsing: text)
}

private func dates(_ text: String) -> DateRange {
    try! DateRange(parsing: text)
}

/// Local wall-clock fields from Foundation's Gregorian calendar: the oracle's view of an instant,
/// independent of the day arithmetic under test.
private struct WallClock {
    var year: Int
    var month: Int
    var day: Int
    /// 1 = Monday ... 7 = Sunday.
    var weekday: Int
    var minuteOfDay: Int

    init(_ date: Date, _ timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let fields = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        year = fields.year!
        month = fields.month!
        day = fields.day!
        weekday = (fields.weekday! + 5) % 7 + 1
        minuteOfDay = fields.hour! * 60 + fields.minute!
    }

    var ymd: String { String(format: "%04d-%02d-%02d", year, month, day) }
}

/// The 2027 holidays of Example B (ivr-config.md §5).
private let ruHolidays2027: [DatedRule] = [
    DatedRule(dates: dates("2027-01-01..2027-01-08"), name: "New Year holidays"),
    DatedRule(dates: dates("2027-02-23"), name: "Defender of the Fatherland Day"),
    DatedRule(dates: dates("2027-03-08"), name: "International Women's Day"),
    DatedRule(dates: dates("2027-05-01"), name: "Spring and Labour Day"),
    DatedRule(dates: dates("2027-05-09"), name: "Victory Day"),
    DatedRule(dates: dates("2027-06-12"), name: "Russia Day"),
    DatedRule(dates: dates("2027-11-04"), name: "Unity Day"),
    DatedRule(dates: dates("2027-12-31"), windows: [window("15:00-24:00")], name: "short pre-holiday evening"),
]

/// Example B `daily_9_19`, built the way the config loader will build it.
private let daily919 = Schedule(
    timeZone: zone("Europe/Moscow"),
    weekly: [
        WeeklyRule(
            days: try! Weekday.days(parsing: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            windows: try! TimeWindow.windows(parsing: ["09:00-19:00"]))
    ],
    holidays: ruHolidays2027)

/// Every `stepSeconds` from `start` for `count` steps.
private func instants(from start: Date, stepSeconds: Int, count: Int) -> [Date] {
    (0..<count).map { start.addingTimeInterval(Double($0 * stepSeconds)) }
}

// MARK: - Evaluation

@Suite("Schedule")
struct ScheduleTests {
    @Test func exampleBHalfOpenClosingTime() {
        #expect(daily919.state(at: at("2027-03-14T18:59:00+03:00")) == .open)
        #expect(daily919.state(at: at("2027-03-14T18:59:59.999+03:00")) == .open)
        #expect(daily919.state(at: at("2027-03-14T19:00:00.000+03:00")) == .closed)
        #expect(daily919.state(at: at("2027-03-14T16:00:00Z")) == .closed)
        #expect(daily919.state(at: at("2027-03-14T08:59:59.999+03:00")) == .closed)
        #expect(daily919.state(at: at("2027-03-14T09:00:00+03:00")) == .open)
        // 18:59:59.9999 prints (truncated) as 18:59:59.999 and is still open.
        #expect(daily919.state(at: at("2027-03-14T18:59:59+03:00").addingTimeInterval(0.9999)) == .open)
    }

    @Test func exampleBHolidays() {
        #expect(daily919.state(at: at("2027-01-01T00:00:00+03:00")) == .holiday)
        #expect(daily919.state(at: at("2027-01-05T12:00:00+03:00")) == .holiday)
        #expect(daily919.holidayIndex(at: at("2027-01-05T12:00:00+03:00")) == 0)
        #expect(daily919.state(at: at("2027-01-08T23:59:59.999+03:00")) == .holiday)
        #expect(daily919.state(at: at("2027-01-09T09:00:00+03:00")) == .open)
        #expect(daily919.state(at: at("2026-12-31T23:59:59+03:00")) == .closed)
        #expect(daily919.state(at: at("2027-02-23T10:00:00+03:00")) == .holiday)
        #expect(daily919.holidayIndex(at: at("2027-02-23T10:00:00+03:00")) == 1)
        #expect(daily919.holidayIndex(at: at("2027-02-24T10:00:00+03:00")) == nil)
        // The partial day: 09:00-15:00 open, 15:00-24:00 holiday, before 09:00 closed.
        #expect(daily919.state(at: at("2027-12-31T08:59:00+03:00")) == .closed)
        #expect(daily919.state(at: at("2027-12-31T14:59:00+03:00")) == .open)
        #expect(daily919.state(at: at("2027-12-31T14:59:59.999+03:00")) == .open)
        #expect(daily919.state(at: at("2027-12-31T15:00:00+03:00")) == .holiday)
        #expect(daily919.state(at: at("2027-12-31T23:59:59.999+03:00")) == .holiday)
        #expect(daily919.holidayIndex(at: at("2027-12-31T20:00:00+03:00")) == 7)
        #expect(daily919.state(at: at("2028-01-01T00:00:00+03:00")) == .closed)
        #expect(daily919.state(at: at("2028-01-01T10:00:00+03:00")) == .open)
    }

    /// The whole of 2027 every 5 minutes against an oracle written from the Example B table.
    @Test func exampleBYearSweep() {
        let moscow = zone("Europe/Moscow")
        let fullDays: Set<String> =
            Set((1...8).map { String(format: "2027-01-%02d", $0) })
            .union(["2027-02-23", "2027-03-08", "2027-05-01", "2027-05-09", "2027-06-12", "2027-11-04"])
        var counts: [ScheduleState: Int] = [:]
        for date in instants(from: at("2027-01-01T00:00:00+03:00"), stepSeconds: 300, count: 365 * 288) {
            let clock = WallClock(date, moscow)
            let expected: ScheduleState
            if fullDays.contains(clock.ymd) || (clock.ymd == "2027-12-31" && clock.minuteOfDay >= 15 * 60) {
                expected = .holiday
            } else {
                expected = (9 * 60..<19 * 60).contains(clock.minuteOfDay) ? .open : .closed
            }
            let state = daily919.state(at: date)
            counts[state, default: 0] += 1
            if state != expected {
                Issue.record("\(Timestamp.iso8601Local(date, timeZone: moscow)): \(state), expected \(expected)")
                return
            }
        }
        // 14 full holidays; 351 working days of 10 hours, the last one cut to 6.
        #expect(counts[.holiday] == 14 * 288 + 9 * 12)
        #expect(counts[.open] == 350 * 120 + 6 * 12)
    }

    /// A transferred working Saturday in `specialOpen` replaces the weekly rule for that date.
    @Test func transferredWorkingSaturday() throws {
        let office = Schedule(
            timeZone: zone("Europe/Moscow"),
            weekly: [WeeklyRule(days: try Weekday.days(parsing: ["mon-fri"]), windows: [window("09:00-18:00")])],
            holidays: ruHolidays2027 + [DatedRule(dates: dates("2027-03-06"), name: "holiday on a special day")],
            specialOpen: [
                DatedRule(dates: dates("2027-02-20"), windows: [window("09:00-17:00")]),  // a Saturday
                DatedRule(dates: dates("2027-03-06"), windows: [window("09:00-17:00")]),  // also a holiday
                DatedRule(dates: dates("2027-04-03")),  // a Saturday, whole day
            ])
        #expect(CalendarDate(year: 2027, month: 2, day: 20)?.weekday == .saturday)
        #expect(office.state(at: at("2027-02-19T17:30:00+03:00")) == .open)  // Friday
        #expect(office.state(at: at("2027-02-20T08:59:59+03:00")) == .closed)
        #expect(office.state(at: at("2027-02-20T09:00:00+03:00")) == .open)
        #expect(office.state(at: at("2027-02-20T16:59:59.999+03:00")) == .open)
        #expect(office.state(at: at("2027-02-20T17:00:00+03:00")) == .closed)
        #expect(office.state(at: at("2027-02-27T10:00:00+03:00")) == .closed)  // an ordinary Saturday
        #expect(office.state(at: at("2027-03-06T10:00:00+03:00")) == .holiday)  // holidays win
        #expect(office.state(at: at("2027-04-03T03:00:00+03:00")) == .open)
        #expect(office.state(at: at("2027-04-04T03:00:00+03:00")) == .closed)

        // On a seven-day schedule, the special day's own hours replace 09:00-19:00.
        var daily = daily919
        daily.specialOpen = [DatedRule(dates: dates("2027-02-20"), windows: [window("10:00-18:00")])]
        #expect(daily.state(at: at("2027-02-20T09:30:00+03:00")) == .closed)
        #expect(daily.state(at: at("2027-02-20T18:30:00+03:00")) == .closed)
        #expect(daily.state(at: at("2027-02-20T17:59:59+03:00")) == .open)
        #expect(daily.state(at: at("2027-02-27T18:30:00+03:00")) == .open)
    }

    /// Friday 22:00-06:00 and Saturday 23:00-03:30, every minute for eight days around a DST change (or
    /// an ordinary week in Moscow), against an oracle on Foundation's calendar fields. The Saturday
    /// window crosses the spring-forward / fall-back night of Europe and the US.
    @Test(arguments: [
        ("Europe/Moscow", "2027-03-22T00:00:00+03:00"),
        ("Europe/Berlin", "2027-03-22T00:00:00+01:00"),
        ("Europe/Berlin", "2027-10-25T00:00:00+01:00"),
        ("America/New_York", "2027-03-08T00:00:00-05:00"),
        ("America/New_York", "2027-11-01T00:00:00-05:00"),
    ])
    func midnightWrapSweep(zoneName: String, start: String) throws {
        let timeZone = zone(zoneName)
        let schedule = Schedule(
            timeZone: timeZone,
            weekly: [
                WeeklyRule(days: [.friday], windows: [window("22:00-06:00")]),
                WeeklyRule(days: [.saturday], windows: [window("23:00-03:30")]),
            ])
        func oracle(_ date: Date) -> ScheduleState {
            let clock = WallClock(date, timeZone)
            let minute = clock.minuteOfDay
            let open =
                (clock.weekday == 5 && minute >= 22 * 60) || (clock.weekday == 6 && minute < 6 * 60)
                || (clock.weekday == 6 && minute >= 23 * 60) || (clock.weekday == 7 && minute < 3 * 60 + 30)
            return open ? .open : .closed
        }
        let sweep = instants(from: at(start), stepSeconds: 60, count: 8 * 1440)
        var states: [ScheduleState] = []
        for date in sweep {
            let state = schedule.state(at: date)
            states.append(state)
            if state != oracle(date) {
                Issue.record("\(Timestamp.iso8601Local(date, timeZone: timeZone)): \(state), expected \(oracle(date))")
                return
            }
        }
        // Real minutes open: 8 hours on Friday night; 4.5 wall-clock hours on Saturday night, one hour
        // fewer or more where the clocks change that night.
        let saturdayNight = start.hasPrefix("2027-03-22") || start.hasPrefix("2027-03-08") ? 210 : 330
        #expect(states.count(where: { $0 == .open }) == 480 + (zoneName == "Europe/Moscow" ? 270 : saturdayNight))

        // nextChange agrees with the sweep wherever the sweep sees the next change.
        var nextDifferent: Int?
        for index in stride(from: sweep.count - 1, through: 0, by: -1) {
            if index + 1 < sweep.count && states[index + 1] != states[index] { nextDifferent = index + 1 }
            guard let nextDifferent else { continue }
            let change = schedule.nextChange(after: sweep[index])
            if change != sweep[nextDifferent] {
                Issue.record("nextChange(after: \(Timestamp.iso8601Local(sweep[index], timeZone: timeZone)))")
                return
            }
        }
    }

    /// A holiday wins for the time it covers, even after midnight of a window that started the day
    /// before; a whole-day holiday also cancels the windows that start on it.
    @Test func holidaysAroundAWrappedWindow() {
        let fridayNight = WeeklyRule(days: [.friday], windows: [window("22:00-06:00")])
        let moscow = zone("Europe/Moscow")

        // Saturday 2027-03-13 is a holiday: Friday's shift is cut at midnight.
        let saturdayHoliday = Schedule(
            timeZone: moscow, weekly: [fridayNight], holidays: [DatedRule(dates: dates("2027-03-13"))])
        #expect(saturdayHoliday.state(at: at("2027-03-12T23:00:00+03:00")) == .open)
        #expect(saturdayHoliday.state(at: at("2027-03-12T23:59:59.999+03:00")) == .open)
        #expect(saturdayHoliday.state(at: at("2027-03-13T00:00:00+03:00")) == .holiday)
        #expect(saturdayHoliday.state(at: at("2027-03-13T05:59:00+03:00")) == .holiday)
        #expect(saturdayHoliday.state(at: at("2027-03-19T23:00:00+03:00")) == .open)

        // ... unless the holiday leaves the morning out.
        let saturdayFromSix = Schedule(
            timeZone: moscow, weekly: [fridayNight],
            holidays: [DatedRule(dates: dates("2027-03-13"), windows: [window("06:00-24:00")])])
        #expect(saturdayFromSix.state(at: at("2027-03-13T05:59:59+03:00")) == .open)
        #expect(saturdayFromSix.state(at: at("2027-03-13T06:00:00+03:00")) == .holiday)

        // Friday 2027-03-05 is a whole-day holiday: no shift starts, Saturday morning is closed.
        let fridayHoliday = Schedule(
            timeZone: moscow, weekly: [fridayNight], holidays: [DatedRule(dates: dates("2027-03-05"))])
        #expect(fridayHoliday.state(at: at("2027-03-05T23:00:00+03:00")) == .holiday)
        #expect(fridayHoliday.state(at: at("2027-03-06T03:00:00+03:00")) == .closed)
        #expect(fridayHoliday.state(at: at("2027-03-13T03:00:00+03:00")) == .open)

        // A partial holiday on Friday closes only its own hours.
        let fridayEvening = Schedule(
            timeZone: moscow, weekly: [fridayNight],
            holidays: [DatedRule(dates: dates("2027-03-05"), windows: [window("20:00-23:00")])])
        #expect(fridayEvening.state(at: at("2027-03-05T22:30:00+03:00")) == .holiday)
        #expect(fridayEvening.state(at: at("2027-03-05T23:00:00+03:00")) == .open)
        #expect(fridayEvening.state(at: at("2027-03-06T03:00:00+03:00")) == .open)

        // A holiday window that wraps midnight belongs to its own date and runs into the next day.
        let wrappingHoliday = Schedule(
            timeZone: moscow, weekly: [WeeklyRule(days: Set(Weekday.allCases), windows: [.wholeDay])],
            holidays: [DatedRule(dates: dates("2027-03-05"), windows: [window("22:00-02:00")])])
        #expect(wrappingHoliday.state(at: at("2027-03-04T23:00:00+03:00")) == .open)
        #expect(wrappingHoliday.state(at: at("2027-03-05T01:00:00+03:00")) == .open)
        #expect(wrappingHoliday.state(at: at("2027-03-05T21:59:59+03:00")) == .open)
        #expect(wrappingHoliday.state(at: at("2027-03-05T22:00:00+03:00")) == .holiday)
        #expect(wrappingHoliday.state(at: at("2027-03-06T01:59:59+03:00")) == .holiday)
        #expect(wrappingHoliday.state(at: at("2027-03-06T02:00:00+03:00")) == .open)

        // A special working day replaces the windows that start on it, not yesterday's tail.
        let specialSaturday = Schedule(
            timeZone: moscow,
            weekly: [fridayNight, WeeklyRule(days: [.saturday], windows: [window("22:00-06:00")])],
            specialOpen: [DatedRule(dates: dates("2027-03-13"), windows: [window("09:00-18:00")])])
        #expect(specialSaturday.state(at: at("2027-03-13T03:00:00+03:00")) == .open)
        #expect(specialSaturday.state(at: at("2027-03-13T12:00:00+03:00")) == .open)
        #expect(specialSaturday.state(at: at("2027-03-13T23:00:00+03:00")) == .closed)
        #expect(specialSaturday.state(at: at("2027-03-14T03:00:00+03:00")) == .closed)
        #expect(specialSaturday.state(at: at("2027-03-20T23:00:00+03:00")) == .open)
    }

    /// Minutes open on the local day of a clock change, counted over real (UTC) minutes.
    @Test(arguments: [
        ("Europe/Berlin", "2027-03-28T00:00:00+01:00", "01:00-04:00", 120),
        ("Europe/Berlin", "2027-03-28T00:00:00+01:00", "02:00-03:00", 0),
        ("Europe/Berlin", "2027-03-28T00:00:00+01:00", "02:30-02:45", 0),
        ("Europe/Berlin", "2027-03-28T00:00:00+01:00", "09:00-19:00", 600),
        ("Europe/Berlin", "2027-03-28T00:00:00+01:00", "00:00-24:00", 1380),
        ("Europe/Berlin", "2027-10-31T00:00:00+02:00", "01:00-04:00", 240),
        ("Europe/Berlin", "2027-10-31T00:00:00+02:00", "02:00-03:00", 120),
        ("Europe/Berlin", "2027-10-31T00:00:00+02:00", "02:30-02:45", 30),
        ("Europe/Berlin", "2027-10-31T00:00:00+02:00", "00:00-24:00", 1500),
        ("America/New_York", "2027-03-14T00:00:00-05:00", "01:00-04:00", 120),
        ("America/New_York", "2027-11-07T00:00:00-04:00", "01:00-04:00", 240),
        ("America/New_York", "2027-11-07T00:00:00-04:00", "09:00-19:00", 600),
        ("Europe/Moscow", "2027-03-28T00:00:00+03:00", "01:00-04:00", 180),
    ])
    func clockChangeDays(zoneName: String, midnight: String, hours: String, openMinutes: Int) {
        let schedule = Schedule(
            timeZone: zone(zoneName), weekly: [WeeklyRule(days: [.sunday], windows: [window(hours)])])
        let minutes = instants(from: at(midnight), stepSeconds: 60, count: 26 * 60)
        #expect(minutes.count(where: { schedule.state(at: $0) == .open }) == openMinutes)
    }

    @Test func clockChangeInstants() {
        let berlin = Schedule(
            timeZone: zone("Europe/Berlin"), weekly: [WeeklyRule(days: [.sunday], windows: [window("01:00-04:00")])])
        #expect(berlin.state(at: at("2027-03-28T01:59:59+01:00")) == .open)
        #expect(berlin.state(at: at("2027-03-28T03:00:00+02:00")) == .open)  // one second later
        #expect(berlin.state(at: at("2027-03-28T03:59:59+02:00")) == .open)
        #expect(berlin.state(at: at("2027-03-28T04:00:00+02:00")) == .closed)
        #expect(berlin.state(at: at("2027-10-31T02:30:00+02:00")) == .open)
        #expect(berlin.state(at: at("2027-10-31T02:30:00+01:00")) == .open)
        #expect(berlin.state(at: at("2027-10-31T03:59:59+01:00")) == .open)
        #expect(berlin.state(at: at("2027-10-31T04:00:00+01:00")) == .closed)

        // A window inside the skipped hour never opens that day; the next opening is a week later.
        let skipped = Schedule(
            timeZone: zone("Europe/Berlin"), weekly: [WeeklyRule(days: [.sunday], windows: [window("02:00-03:00")])])
        #expect(skipped.nextChange(after: at("2027-03-27T12:00:00+01:00")) == at("2027-04-04T02:00:00+02:00"))
        // In the repeated hour the window stays open through both 02:xx hours.
        #expect(skipped.nextChange(after: at("2027-10-31T01:30:00+02:00")) == at("2027-10-31T02:00:00+02:00"))
        #expect(skipped.nextChange(after: at("2027-10-31T02:00:00+02:00")) == at("2027-10-31T03:00:00+01:00"))
    }

    @Test func nextChangeExampleB() {
        #expect(daily919.nextChange(after: at("2027-03-14T18:59:00+03:00")) == at("2027-03-14T19:00:00+03:00"))
        #expect(daily919.nextChange(after: at("2027-03-14T19:00:00+03:00")) == at("2027-03-15T09:00:00+03:00"))
        #expect(daily919.nextChange(after: at("2027-12-31T10:00:00+03:00")) == at("2027-12-31T15:00:00+03:00"))
        #expect(daily919.nextChange(after: at("2027-12-31T15:00:00+03:00")) == at("2028-01-01T00:00:00+03:00"))
        #expect(daily919.nextChange(after: at("2026-12-31T20:00:00+03:00")) == at("2027-01-01T00:00:00+03:00"))
        #expect(daily919.nextChange(after: at("2027-01-01T00:00:00+03:00")) == at("2027-01-09T00:00:00+03:00"))
        #expect(daily919.nextChange(after: at("2027-03-14T18:59:59.5+03:00")) == at("2027-03-14T19:00:00+03:00"))
    }

    @Test func always() {
        let moscow = zone("Europe/Moscow")
        let open = Schedule(timeZone: moscow, always: .open)
        for date in instants(from: at("2027-01-01T00:00:00Z"), stepSeconds: 3607, count: 2000) {
            #expect(open.state(at: date) == .open)
        }
        #expect(open.nextChange(after: at("2027-01-01T00:00:00Z")) == nil)

        // `always` replaces weekly and special days, but holidays still win.
        let openExceptHolidays = Schedule(
            timeZone: moscow, always: .open, weekly: [WeeklyRule(days: [.monday], windows: [window("09:00-10:00")])],
            holidays: ruHolidays2027)
        #expect(openExceptHolidays.state(at: at("2027-03-15T12:00:00+03:00")) == .open)
        #expect(openExceptHolidays.state(at: at("2027-03-08T12:00:00+03:00")) == .holiday)
        #expect(
            openExceptHolidays.nextChange(after: at("2027-03-07T12:00:00+03:00")) == at("2027-03-08T00:00:00+03:00"))
        #expect(Schedule(timeZone: moscow, always: .closed).state(at: at("2027-03-15T12:00:00+03:00")) == .closed)

        // No rules at all: always closed.
        #expect(Schedule(timeZone: moscow).state(at: at("2027-03-15T12:00:00+03:00")) == .closed)
    }

    /// The day arithmetic, against Foundation's Gregorian calendar, for every day from 1600 to 2400.
    @Test func calendarDates() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let first = try #require(CalendarDate(year: 1600, month: 1, day: 1)).daysSince1970
        let last = try #require(CalendarDate(year: 2400, month: 12, day: 31)).daysSince1970
        var previous = CalendarDate(daysSince1970: first - 1)
        for day in first...last {
            let date = CalendarDate(daysSince1970: day)
            #expect(date.daysSince1970 == day)
            let isNextDay =
                (date.year == previous.year && date.month == previous.month && date.day == previous.day + 1)
                || (date.day == 1
                    && previous.day == CalendarDate.daysInMonth(year: previous.year, month: previous.month)
                    && (date.month == previous.month + 1 || (date.month == 1 && previous.month == 12)))
            if !isNextDay {
                Issue.record("\(previous) is followed by \(date)")
                return
            }
            if day % 37 == 0 {
                let fields = calendar.dateComponents(
                    [.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(day) * 86_400))
                #expect([fields.year, fields.month, fields.day] == [date.year, date.month, date.day])
                #expect((fields.weekday! + 5) % 7 + 1 == date.weekday.rawValue)
            }
            previous = date
        }
        #expect(CalendarDate(year: 2027, month: 3, day: 14)?.weekday == .sunday)
        #expect(CalendarDate(year: 1970, month: 1, day: 1)?.daysSince1970 == 0)
        #expect(CalendarDate(year: 1969, month: 12, day: 31)?.daysSince1970 == -1)
        #expect(CalendarDate(year: 2028, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2027, month: 2, day: 29) == nil)
    }
}

// MARK: - Parsing

@Suite("Schedule parsing")
struct ScheduleParsingTests {
    @Test func validForms() throws {
        let window = try TimeWindow(parsing: "09:00-19:00")
        #expect(window.start.minutesSinceMidnight == 540 && window.end.minutesSinceMidnight == 1140)
        #expect(!window.wrapsMidnight && window.durationMinutes == 600 && window.description == "09:00-19:00")
        let night = try TimeWindow(parsing: "22:00-06:00")
        #expect(night.wrapsMidnight && night.durationMinutes == 480)
        #expect(try TimeWindow(parsing: "00:00-24:00") == .wholeDay)
        #expect(try TimeWindow(parsing: " 9:00 - 17:30 ").description == "09:00-17:30")
        #expect(try TimeOfDay(parsing: "24:00") == .endOfDay)

        let range = try DateRange(parsing: "2027-01-01..2027-01-08")
        #expect(range.dayCount == 8 && range.description == "2027-01-01..2027-01-08")
        #expect(range.contains(CalendarDate(year: 2027, month: 1, day: 8)!))
        #expect(!range.contains(CalendarDate(year: 2027, month: 1, day: 9)!))
        #expect(try DateRange(parsing: "2028-02-29").dayCount == 1)
        #expect(try DateRange(parsing: "2027-12-31..2028-01-01").dayCount == 2)
        #expect(try DateRange(parsing: "2027-01-01..2027-01-01").description == "2027-01-01")

        #expect(try Weekday.days(parsing: ["MON-Fri"]) == [.monday, .tuesday, .wednesday, .thursday, .friday])
        #expect(try Weekday.days(parsing: "fri-mon") == [.friday, .saturday, .sunday, .monday])
        #expect(try Weekday.days(parsing: ["mon", "mon-wed", "tue"]) == [.monday, .tuesday, .wednesday])
        #expect(try Weekday.days(parsing: ["sun-sat"]) == Set(Weekday.allCases))
        #expect(try Weekday.days(parsing: ["wed-wed"]) == [.wednesday])
        #expect(try Weekday.days(parsing: ["Monday", " sat - sun "]) == [.monday, .saturday, .sunday])
        #expect(try ScheduleState(parsing: "holiday") == .holiday)

        for name in ["Europe/Moscow", "America/New_York", "UTC", "Europe/Kiev", "Etc/GMT-3", "Asia/Kathmandu"] {
            #expect(try Schedule.timeZone(named: name).secondsFromGMT() == TimeZone(identifier: name)!.secondsFromGMT())
        }
    }

    /// Every window error, with its message.
    @Test(arguments: [
        ("25:00-26:00", "\"25:00-26:00\": hour 25 is out of range 00-24"),
        ("09:00-19:60", "\"09:00-19:60\": minute 60 is out of range 00-59"),
        ("09:00-24:30", "\"09:00-24:30\": 24:30 is past the end of the day; the latest time is 24:00"),
        ("24:00-06:00", "\"24:00-06:00\": 24:00 is allowed only as the end of a window; start at 00:00"),
        (
            "09:00-09:00",
            "\"09:00-09:00\": start and end are equal; a window needs a length (the whole day is 00:00-24:00)"
        ),
        (
            "00:00-00:00",
            "\"00:00-00:00\": start and end are equal; a window needs a length (the whole day is 00:00-24:00)"
        ),
        ("9-17", "\"9-17\": \"9\" is not a time; expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("09:0-19:00", "\"09:0-19:00\": \"09:0\" is not a time; expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("-19:00", "\"-19:00\": \"\" is not a time; expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("09:00", "\"09:00\": expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("", "\"\": expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("09:00-19:00-21:00", "\"09:00-19:00-21:00\": expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("09:00–19:00", "\"09:00–19:00\": expected a window HH:MM-HH:MM, such as 09:00-19:00"),
        ("09.00-19.00", "\"09.00-19.00\": \"09.00\" is not a time; expected a window HH:MM-HH:MM, such as 09:00-19:00"),
    ])
    func windowErrors(text: String, message: String) {
        #expect(throws: ScheduleError(message)) { try TimeWindow(parsing: text) }
    }

    @Test func otherErrors() {
        #expect(throws: ScheduleError("\"9h\": expected a time HH:MM, such as 09:00")) { try TimeOfDay(parsing: "9h") }
        #expect(throws: ScheduleError("\"24:01\": 24:01 is past the end of the day; the latest time is 24:00")) {
            try TimeOfDay(parsing: "24:01")
        }
        #expect(throws: ScheduleError("\"2027-02-29\": day 29 is out of range 01-28 (2027-02 has 28 days)")) {
            try CalendarDate(parsing: "2027-02-29")
        }
        #expect(throws: ScheduleError("\"27-02-01\": expected a date YYYY-MM-DD, such as 2027-01-08")) {
            try CalendarDate(parsing: "27-02-01")
        }
        #expect(throws: ScheduleError("\"always\": unknown state; expected open, closed or holiday")) {
            try ScheduleState(parsing: "always")
        }
        #expect(
            throws: ScheduleError(
                "\"[]\": the list of hours is empty; expected at least one window, such as 09:00-19:00")
        ) { try TimeWindow.windows(parsing: []) }
        #expect(throws: ScheduleError("\"24:00-06:00\": 24:00 is allowed only as the end of a window")) {
            try TimeWindow(start: .endOfDay, end: TimeOfDay(hour: 6, minute: 0)!)
        }
    }

    @Test(arguments: [
        ("2027-02-30", "\"2027-02-30\": day 30 is out of range 01-28 (2027-02 has 28 days)"),
        ("2028-02-30", "\"2028-02-30\": day 30 is out of range 01-29 (2028-02 has 29 days)"),
        ("2027-04-31", "\"2027-04-31\": day 31 is out of range 01-30 (2027-04 has 30 days)"),
        ("2027-01-00", "\"2027-01-00\": day 00 is out of range 01-31 (2027-01 has 31 days)"),
        ("2027-13-01", "\"2027-13-01\": month 13 is out of range 01-12"),
        ("2027-00-10", "\"2027-00-10\": month 00 is out of range 01-12"),
        ("2027-1-8", "\"2027-1-8\": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"),
        ("08.01.2027", "\"08.01.2027\": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"),
        ("", "\"\": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"),
        ("2027-01-08..2027-01-01", "\"2027-01-08..2027-01-01\": the end 2027-01-01 is before the start 2027-01-08"),
        (
            "2027-01-01..2027-02-30",
            "\"2027-01-01..2027-02-30\": 2027-02-30: day 30 is out of range 01-28 (2027-02 has 28 days)"
        ),
        (
            "2027-01-01..2027-1-8",
            "\"2027-01-01..2027-1-8\": \"2027-1-8\" is not a date; expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        ),
        (
            "2027-01-01...2027-01-08",
            "\"2027-01-01...2027-01-08\": \".2027-01-08\" is not a date; expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        ),
        (
            "2027-01-01..2027-01-02..2027-01-03",
            "\"2027-01-01..2027-01-02..2027-01-03\": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        ),
    ])
    func dateErrors(text: String, message: String) {
        #expect(throws: ScheduleError(message)) { try DateRange(parsing: text) }
    }

    @Test(arguments: [
        (["mo"], "\"mo\": unknown day; expected mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri"),
        (
            ["mon-fry"],
            "\"mon-fry\": unknown day \"fry\"; expected mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri"
        ),
        (["mon", "mon-"], "\"mon-\": a day range needs exactly two days, such as mon-fri"),
        (["mon-tue-wed"], "\"mon-tue-wed\": a day range needs exactly two days, such as mon-fri"),
        ([], "\"[]\": the list of days is empty; expected at least one day or range, such as mon-fri"),
    ])
    func dayErrors(items: [String], message: String) {
        #expect(throws: ScheduleError(message)) { try Weekday.days(parsing: items) }
    }

    @Test(arguments: [
        (
            "MSK",
            "\"MSK\": time zone abbreviations are ambiguous; expected an IANA time zone name (Area/Location), "
                + "such as Europe/Moscow"
        ),
        (
            "Mars/Olympus",
            "\"Mars/Olympus\": unknown time zone; expected an IANA time zone name (Area/Location), such as Europe/Moscow"
        ),
        ("europe/moscow", "\"europe/moscow\": unknown time zone; did you mean Europe/Moscow?"),
        (
            "GMT+3",
            "\"GMT+3\": a fixed UTC offset is not a time zone; expected an IANA time zone name (Area/Location), "
                + "such as Europe/Moscow"
        ),
        (
            "UTC+03:00",
            "\"UTC+03:00\": a fixed UTC offset is not a time zone; expected an IANA time zone name (Area/Location), "
                + "such as Europe/Moscow"
        ),
        ("", "\"\": unknown time zone; expected an IANA time zone name (Area/Location), such as Europe/Moscow"),
    ])
    func timeZoneErrors(name: String, message: String) {
        #expect(throws: ScheduleError(message)) { try Schedule.timeZone(named: name) }
    }

    @Test func abbreviationsAreRejected() {
        for name in ["EST", "CET", "PST", "Japan"] {
            #expect(throws: ScheduleError.self) { try Schedule.timeZone(named: name) }
        }
    }
}
