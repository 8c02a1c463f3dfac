import Foundation
import IVRCalendar
import IVRRouting

/// Writes call-log events as JSON lines (ivr-config.md §3.7): `ts` (ISO 8601 UTC with milliseconds),
/// `ts_local` (when `logging.local_time_zone` is set), `t_ms` since the call started, `call_id`,
/// `ticket`, `line`, `node`, `event`, then the event's own fields in order.
///
/// Pure formatting: no I/O. Keys are written in a fixed order, so the same events give the same bytes.
public struct EventLog: Sendable {
    public var callID: String
    public var ticket: String?
    public var line: String?
    public var callStart: Date
    public var localTimeZone: TimeZone?
    /// Events written (nil: all).
    public var events: Set<String>?

    public init(
        callID: String, ticket: String?, line: String?, callStart: Date, localTimeZone: TimeZone?,
        events: Set<String>? = nil
    ) {
        self.callID = callID
        self.ticket = ticket
        self.line = line
        self.callStart = callStart
        self.localTimeZone = localTimeZone
        self.events = events
    }

    /// True when `event` is written (`logging.events`; `prompt_missing` and errors always are).
    public func includes(_ event: String) -> Bool {
        guard let events else { return true }
        return events.contains(event) || event == "prompt_missing" || event == "error"
    }

    /// The JSON line (without newline) of an event at `time`.
    public func line(_ event: String, node: String?, fields: [LogField], at time: Date) -> String {
        var out = "{"
        var first = true
        func add(_ key: String, _ value: LogField.Value) {
            if !first { out += "," }
            first = false
            Self.appendString(key, to: &out)
            out += ":"
            Self.append(value, to: &out)
        }
        add("ts", .string(Timestamp.iso8601UTC(time)))
        if let zone = localTimeZone { add("ts_local", .string(Timestamp.iso8601Local(time, timeZone: zone))) }
        // Truncated like `ts`, so that the two always agree.
        add("t_ms", .int(Timestamp.millisecondsSince1970(time) - Timestamp.millisecondsSince1970(callStart)))
        add("call_id", .string(callID))
        add("ticket", ticket.map(LogField.Value.string) ?? .null)
        add("line", line.map(LogField.Value.string) ?? .null)
        add("node", node.map(LogField.Value.string) ?? .null)
        add("event", .string(event))
        for field in fields { add(field.key, field.value) }
        out += "}"
        return out
    }

    public func line(_ record: Router.LogRecord, at time: Date) -> String {
        line(record.event, node: record.node, fields: record.fields, at: time)
    }

    static func append(_ value: LogField.Value, to out: inout String) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .int(let n): out += String(n)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .object(let fields):
            out += "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { out += "," }
                appendString(field.key, to: &out)
                out += ":"
                append(field.value, to: &out)
            }
            out += "}"
        case .array(let values):
            out += "["
            for (index, item) in values.enumerated() {
                if index > 0 { out += "," }
                append(item, to: &out)
            }
            out += "]"
        }
    }

    /// `s` as a JSON string literal, quotes included.
    public static func jsonString(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }

    /// A JSON string literal (RFC 8259: quote, backslash and control characters escaped).
    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
