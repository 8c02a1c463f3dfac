import Foundation

/// A ticket format that does not parse. `message` quotes the format, says what is wrong and what is
/// expected; the caller adds the file position.
public struct TicketFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what is expected.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The layout of per-call ticket numbers (ivr-config.md §3.7), e.g. `"{date:yyyyMMdd}-{seq:6}"`
/// → `20270314-000042`.
///
/// Literal text, plus fields in braces:
/// * `{date:PATTERN}`: the local date and time of the call; the pattern letters are `yyyy` (year),
///   `yy` (year modulo 100), `MM` (month), `dd` (day), `HH` (hour 00-23), `mm` (minute), `ss`
///   (second), all zero-padded digits; other characters (`-`, `.`, `_`, `/`, ...) are copied.
/// * `{seq:N}`: the sequence number zero-padded to N digits, N in 1...12; a number wider than N keeps
///   all its digits (`{seq:3}` renders 1000 as `1000`).
/// * `{line}`: the line id.
///
/// Braces cannot be written as literal text. A format must contain `{seq:N}`, otherwise all tickets
/// of a day would be equal.
public struct TicketFormat: Sendable, Hashable, CustomStringConvertible {
    /// One piece of a format.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case date([DateField])
        case sequence(minimumDigits: Int)
        case line
    }

    /// One piece of a `{date:PATTERN}` field.
    public enum DateField: Sendable, Hashable {
        /// `yyyy`
        case year
        /// `yy`
        case twoDigitYear
        /// `MM`
        case month
        /// `dd`
        case day
        /// `HH`
        case hour
        /// `mm`
        case minute
        /// `ss`
        case second
        /// Characters other than letters, copied.
        case literal(String)
    }

    /// The parsed pieces, in order.
    public let segments: [Segment]
    /// The format as written.
    public let text: String

    public var description: String { text }

    /// Parses a format such as `"{date:yyyyMMdd}-{seq:6}"` or `"{line}-{date:yyMMdd}-{seq:4}"`.
    public init(parsing text: String) throws(TicketFormatError) {
        self.text = text
        var segments: [Segment] = []
        var literal = ""
        var field: String?  // the text after an open brace, while inside one
        var fieldStart = 0
        for (offset, character) in text.enumerated() {
            let position = offset + 1
            switch character {
            case "{":
                if field != nil {
                    throw TicketFormatError(
                        "\"\(text)\": unbalanced braces: \"{\" at character \(fieldStart) is not closed before "
                            + "the \"{\" at character \(position)")
                }
                if !literal.isEmpty { segments.append(.literal(literal)) }
                literal = ""
                field = ""
                fieldStart = position
            case "}":
                guard let body = field else {
                    throw TicketFormatError(
                        "\"\(text)\": unbalanced braces: \"}\" at character \(position) has no matching \"{\"")
                }
                segments.append(try Self.segment(field: body, format: text))
                field = nil
            default:
                if field != nil { field!.append(character) } else { literal.append(character) }
            }
        }
        if field != nil {
            throw TicketFormatError("\"\(text)\": unbalanced braces: \"{\" at character \(fieldStart) is never closed")
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        guard segments.contains(where: { if case .sequence = $0 { true } else { false } }) else {
            throw TicketFormatError(
                "\"\(text)\": no {seq:N} field; a ticket format needs one so that tickets differ, "
                    + "such as {date:yyyyMMdd}-{seq:6}")
        }
        self.segments = segments
    }

    /// The ticket for `sequence` issued at `date`, with the date fields in `timeZone`'s wall-clock time.
    public func render(sequence: Int, at date: Date, timeZone: TimeZone, line: String) -> String {
        let utcSeconds = Timestamp.secondsSince1970(date)
        let local = utcSeconds + timeZone.secondsFromGMT(for: date)
        let days = Timestamp.floorDivide(local, 86_400)
        let secondOfDay = local - days * 86_400
        let calendarDate = CalendarDate(daysSince1970: days)
        var result = ""
        for segment in segments {
            switch segment {
            case .literal(let text): result += text
            case .line: result += line
            case .sequence(let minimumDigits): result += Self.padded(sequence, minimumDigits)
            case .date(let fields):
                for field in fields {
                    switch field {
                    case .year: result += Self.padded(calendarDate.year, 4)
                    case .twoDigitYear: result += Self.padded((calendarDate.year % 100 + 100) % 100, 2)
                    case .month: result += Self.padded(calendarDate.month, 2)
                    case .day: result += Self.padded(calendarDate.day, 2)
                    case .hour: result += Self.padded(secondOfDay / 3600, 2)
                    case .minute: result += Self.padded(secondOfDay / 60 % 60, 2)
                    case .second: result += Self.padded(secondOfDay % 60, 2)
                    case .literal(let text): result += text
                    }
                }
            }
        }
        return result
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static let maximumSequenceDigits = 12
    static let patternLetters: [String: DateField] = [
        "yyyy": .year, "yy": .twoDigitYear, "MM": .month, "dd": .day, "HH": .hour, "mm": .minute, "ss": .second,
    ]
    static let expectedFields = "expected {date:PATTERN}, {seq:N} or {line}"

    /// The segment for the text between braces.
    static func segment(field body: String, format: String) throws(TicketFormatError) -> Segment {
        let name: Substring
        let argument: Substring?
        if let colon = body.firstIndex(of: ":") {
            name = body[..<colon]
            argument = body[body.index(after: colon)...]
        } else {
            name = body[...]
            argument = nil
        }
        switch name {
        case "seq":
            guard let argument, !argument.isEmpty else {
                throw TicketFormatError("\"\(format)\": {seq} needs a width 1-12, such as {seq:6}")
            }
            guard argument.allSatisfy({ $0.isASCII && $0.isNumber }), let width = Int(argument) else {
                throw TicketFormatError("\"\(format)\": {\(body)}: width \"\(argument)\" is not a number 1-12")
            }
            guard (1...maximumSequenceDigits).contains(width) else {
                throw TicketFormatError("\"\(format)\": {\(body)}: width \(width) is out of range 1-12")
            }
            return .sequence(minimumDigits: width)
        case "date":
            guard let argument, !argument.isEmpty else {
                throw TicketFormatError("\"\(format)\": {date} needs a pattern, such as {date:yyyyMMdd}")
            }
            return .date(try dateFields(pattern: argument, format: format))
        case "line":
            guard argument == nil else {
                throw TicketFormatError("\"\(format)\": {\(body)}: {line} takes no argument")
            }
            return .line
        default:
            throw TicketFormatError("\"\(format)\": unknown field {\(body)}; \(expectedFields)")
        }
    }

    /// Splits a date pattern into runs of one letter (which must be a known token) and other text.
    static func dateFields(pattern: Substring, format: String) throws(TicketFormatError) -> [DateField] {
        var fields: [DateField] = []
        var index = pattern.startIndex
        while index < pattern.endIndex {
            let character = pattern[index]
            var end = pattern.index(after: index)
            if character.isLetter {
                while end < pattern.endIndex && pattern[end] == character { end = pattern.index(after: end) }
                let run = String(pattern[index..<end])
                guard let field = patternLetters[run] else {
                    throw TicketFormatError(
                        "\"\(format)\": unknown date pattern \"\(run)\" in {date:\(pattern)}; "
                            + "expected yyyy, yy, MM, dd, HH, mm or ss")
                }
                fields.append(field)
            } else {
                while end < pattern.endIndex && !pattern[end].isLetter { end = pattern.index(after: end) }
                fields.append(.literal(String(pattern[index..<end])))
            }
            index = end
        }
        return fields
    }
}
