import Foundation

/// The process's resident memory from /proc/self/status: VmRSS (now) and VmHWM (the peak so far).
struct ResidentSet: Sendable {
    var rssBytes: Int
    var peakBytes: Int

    static func now() -> ResidentSet {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return ResidentSet(rssBytes: 0, peakBytes: 0)
        }
        func kilobytes(_ key: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return ResidentSet(rssBytes: kilobytes("VmRSS:") * 1024, peakBytes: kilobytes("VmHWM:") * 1024)
    }
}

/// The gate of a soak: memory after warm-up against memory at the end. A growth above the larger of
/// `percent` and `megabytes` fails the run.
struct GrowthCheck: Sendable {
    var percent: Double
    var megabytes: Double

    func allowance(from base: Int) -> Int {
        max(Int(Double(base) * percent / 100), Int(megabytes * 1_048_576))
    }

    /// Whether `end` stays within the allowance of `start`, for both VmRSS and VmHWM.
    func passes(start: ResidentSet, end: ResidentSet) -> Bool {
        end.rssBytes - start.rssBytes <= allowance(from: start.rssBytes)
            && end.peakBytes - start.peakBytes <= allowance(from: start.peakBytes)
    }

    var description: String {
        String(format: "the larger of %.0f %% and %.0f MB", percent, megabytes)
    }
}

enum Format {
    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

    static func growth(_ start: Int, _ end: Int) -> String {
        let change = end - start
        let percent = start > 0 ? 100 * Double(change) / Double(start) : 0
        return String(format: "%+.1f MB (%+.1f %%)", Double(change) / 1_048_576, percent)
    }

    /// The memory rows of a soak's table: after warm-up, at the end, and the growth.
    static func memoryRows(start: ResidentSet, end: ResidentSet, warmUp: String) -> [String] {
        [
            "| VmRSS after warm-up (\(warmUp)) | \(megabytes(start.rssBytes)) |",
            "| VmRSS at the end | \(megabytes(end.rssBytes)) |",
            "| VmRSS growth | \(growth(start.rssBytes, end.rssBytes)) |",
            "| VmHWM (peak) after warm-up | \(megabytes(start.peakBytes)) |",
            "| VmHWM (peak) at the end | \(megabytes(end.peakBytes)) |",
            "| VmHWM growth | \(growth(start.peakBytes, end.peakBytes)) |",
        ]
    }
}

/// Reads the fields of the flat JSON event lines the engine writes, without a JSON parser.
enum EventLine {
    /// The string value of `key` in `line`, if it has one.
    static func field(_ line: String, _ key: String) -> Substring? {
        guard let start = line.range(of: "\"\(key)\":\"") else { return nil }
        let rest = line[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return rest[..<end]
    }

    static func event(_ line: String) -> Substring? { field(line, "event") }
}
