import Foundation

/// Issues ticket numbers: a sequence starting at 1 that restarts at local midnight of `timeZone`
/// (`reset: daily`) or never. Deterministic: the caller passes the instant of each call.
///
/// With `.daily` the sequence restarts when the local date of `at` is *later* than that of the
/// previous ticket; an instant on an earlier date (a clock stepped back over midnight) continues the
/// sequence rather than restart it, so that no number is issued twice. One counter serves every line
/// that shares it; keep one per line for per-line sequences. The counter lives in memory: a restarted
/// process starts again at 1 unless the caller restores it with ``init(format:reset:timeZone:resumingAfter:issuedAt:)``.
public struct TicketCounter: Sendable, Hashable {
    /// When the sequence restarts at 1.
    public enum Reset: String, Sendable, Hashable, CaseIterable {
        case daily
        case never
    }

    public let format: TicketFormat
    public let reset: Reset
    /// The zone of the date fields and of the midnight of `.daily`.
    public let timeZone: TimeZone
    /// The sequence number of the last ticket issued, 0 before the first.
    public private(set) var lastSequence = 0
    /// The local day (since 1970) of the last ticket issued.
    private var lastDay: Int?

    public init(format: TicketFormat, reset: Reset, timeZone: TimeZone) {
        self.format = format
        self.reset = reset
        self.timeZone = timeZone
    }

    /// A counter that continues after `sequence`, the last number issued at `date` (e.g. restored from
    /// the log after a restart).
    public init(
        format: TicketFormat, reset: Reset, timeZone: TimeZone, resumingAfter sequence: Int, issuedAt date: Date
    ) {
        self.init(format: format, reset: reset, timeZone: timeZone)
        self.lastSequence = sequence
        self.lastDay = localDay(date)
    }

    /// The next ticket for a call at `date` on `line`.
    public mutating func next(at date: Date, line: String) -> String {
        let day = localDay(date)
        if reset == .daily, let lastDay, day > lastDay { lastSequence = 0 }
        lastDay = max(lastDay ?? day, day)
        lastSequence += 1
        return format.render(sequence: lastSequence, at: date, timeZone: timeZone, line: line)
    }

    private func localDay(_ date: Date) -> Int {
        Timestamp.floorDivide(Timestamp.secondsSince1970(date) + timeZone.secondsFromGMT(for: date), 86_400)
    }
}
