import Foundation
import IVRCalendar
import Yams

extension Loader {
    /// A schedule (§3.5): `timezone` and `always`, or `weekly` windows with `holidays` and `special_open`.
    func loadSchedule(_ node: Yams.Node, name: String) -> Schedule? {
        let allowed = ["timezone", "always", "weekly", "holidays", "special_open"]
        guard let entries = reader.mapping(node, "schedule `\(name)`", allowed: allowed) else { return nil }
        var schedule = Schedule(timeZone: TimeZone(identifier: "UTC")!)
        var haveZone = false
        for (key, _, value) in entries {
            switch key {
            case "timezone":
                // A zone that is given but wrong is reported once, by `timeZone`, not again as missing.
                haveZone = true
                if let zone = timeZone(value, "timezone") { schedule.timeZone = zone }
            case "always":
                if let text = reader.string(value, "always") {
                    schedule.always = parsed(value) { () throws(ScheduleError) in try ScheduleState(parsing: text) }
                }
            case "weekly":
                for item in reader.sequence(value, "weekly") ?? [] {
                    guard reader.mapping(item, "a weekly rule", allowed: ["days", "hours"]) != nil else { continue }
                    let days = strings(item["days"], "days"), hours = strings(item["hours"], "hours")
                    if item["days"] == nil || item["hours"] == nil {
                        reader.error(item, "a weekly rule needs `days:` and `hours:`")
                        continue
                    }
                    guard
                        let set = parsed(item["days"], { () throws(ScheduleError) in try Weekday.days(parsing: days) }),
                        let windows = parsed(
                            item["hours"], { () throws(ScheduleError) in try TimeWindow.windows(parsing: hours) })
                    else { continue }
                    schedule.weekly.append(WeeklyRule(days: set, windows: windows))
                }
            default:
                let holidays = key == "holidays"
                for item in reader.sequence(value, key) ?? [] {
                    let allowed =
                        holidays ? ["dates", "hours", "name", "prompt", "route"] : ["dates", "hours", "name"]
                    guard reader.mapping(item, holidays ? "a holiday" : "a special_open day", allowed: allowed) != nil
                    else { continue }
                    guard let datesNode = item["dates"], let text = reader.string(datesNode, "dates") else {
                        reader.error(item, "`dates:` is required (\"YYYY-MM-DD\" or \"YYYY-MM-DD..YYYY-MM-DD\")")
                        continue
                    }
                    guard let range = parsed(datesNode, { () throws(ScheduleError) in try DateRange(parsing: text) })
                    else { continue }
                    var windows: [TimeWindow]?
                    if let hoursNode = item["hours"] {
                        let hours = strings(hoursNode, "hours")
                        guard
                            let parsedWindows = parsed(
                                hoursNode, { () throws(ScheduleError) in try TimeWindow.windows(parsing: hours) })
                        else { continue }
                        windows = parsedWindows
                    } else if !holidays {
                        reader.error(item, "a special_open day needs `hours:` (its opening hours)")
                        continue
                    }
                    let rule = DatedRule(
                        dates: range, windows: windows, name: item["name"].flatMap { reader.string($0, "name") })
                    if holidays {
                        var extras = MenuConfiguration.HolidayExtras(prompts: [], route: nil)
                        if let promptNode = item["prompt"] { extras.prompts = promptList(promptNode, "prompt") }
                        if let routeNode = item["route"] {
                            extras.route = actions(routeNode, context: nil)
                            requireTerminal(extras.route ?? [], routeNode, "a holiday's route")
                        }
                        if !extras.prompts.isEmpty || extras.route != nil {
                            holidayExtras[name, default: [:]][schedule.holidays.count] = extras
                        }
                        schedule.holidays.append(rule)
                    } else {
                        schedule.specialOpen.append(rule)
                    }
                }
            }
        }
        if !haveZone, schedule.always == nil || !schedule.weekly.isEmpty || !schedule.holidays.isEmpty {
            reader.error(node, "schedule `\(name)` needs `timezone:` (an IANA name such as Europe/Moscow)")
        }
        if schedule.always == nil, schedule.weekly.isEmpty, schedule.specialOpen.isEmpty {
            reader.warning(node, "schedule `\(name)` has no open hours: it is always closed")
        }
        return schedule
    }

    /// The value of a parse, or nil with the parse error reported at `node`.
    func parsed<T>(_ node: Yams.Node?, _ parse: () throws(ScheduleError) -> T) -> T? {
        do {
            return try parse()
        } catch {
            reader.error(node, error.message)
            return nil
        }
    }

    func loadTicket(_ node: Yams.Node) -> MenuConfiguration.TicketSettings? {
        let entries = reader.mapping(node, "logging.ticket", allowed: ["format", "reset", "timezone"]) ?? []
        var format: TicketFormat?
        var reset = TicketCounter.Reset.daily
        var zone = TimeZone(identifier: "UTC")!
        for (key, _, value) in entries {
            switch key {
            case "format":
                guard let text = reader.string(value, "ticket.format") else { continue }
                do { format = try TicketFormat(parsing: text) } catch { reader.error(value, error.message) }
            case "reset": reset = reader.oneOf(value, "ticket.reset", TicketCounter.Reset.self) ?? .daily
            default: zone = timeZone(value, "ticket.timezone") ?? zone
            }
        }
        guard let format else {
            if node["format"] == nil {
                reader.error(node, "logging.ticket needs `format:`, e.g. \"{date:yyyyMMdd}-{seq:6}\"")
            }
            return nil
        }
        return MenuConfiguration.TicketSettings(format: format, reset: reset, timeZone: zone)
    }
}
