import BenchSupport
import DSPCore
import MediaTestSupport

/// How one receiver did on one row.
struct RowScore {
    var cases = 0
    var correct = 0
    /// Cases with no digit where one was expected.
    var missed = 0
    /// Cases with more digits than expected (splits, doubles, extras).
    var extra = 0
    /// Cases with the right count but a wrong digit.
    var wrong = 0
    /// Cases where a receiver that must reject reported anything.
    var accepted = 0

    /// Scores a case of several keys key by key: the keys heard in order (longest common subsequence)
    /// count as correct, the rest of the expected keys as missed, the rest of the heard as extra.
    mutating func addKeys(heard: [DTMFDigit], expected: [DTMFDigit]) {
        var table = [[Int]](repeating: [Int](repeating: 0, count: heard.count + 1), count: expected.count + 1)
        for i in 0..<expected.count {
            for j in 0..<heard.count {
                table[i + 1][j + 1] = expected[i] == heard[j] ? table[i][j] + 1 : max(table[i][j + 1], table[i + 1][j])
            }
        }
        let common = table[expected.count][heard.count]
        cases += expected.count
        correct += common
        missed += expected.count - common
        extra += heard.count - common
    }

    mutating func add(heard: [DTMFDigit], expected: [DTMFDigit]) {
        cases += 1
        if heard == expected {
            correct += 1
            return
        }
        if expected.isEmpty {
            accepted += 1
        } else if heard.isEmpty {
            missed += 1
        } else if heard.count > expected.count {
            extra += 1
        } else if heard.count < expected.count {
            missed += 1
        } else {
            wrong += 1
        }
    }

    /// "160/160", "150/160 (7 missed, 3 extra)", or for a rejection row "2 wrongly accepted".
    func cell(rejection: Bool) -> String {
        if rejection { return "\(accepted)/\(cases) wrongly accepted" }
        var detail: [String] = []
        if missed > 0 { detail.append("\(missed) missed") }
        if extra > 0 { detail.append("\(extra) extra") }
        if wrong > 0 { detail.append("\(wrong) wrong") }
        return "\(correct)/\(cases)" + (detail.isEmpty ? "" : " (" + detail.joined(separator: ", ") + ")")
    }
}

/// Both receivers scored on the same cases.
struct Comparison {
    var ours = RowScore()
    var spanDSP = RowScore()

    /// `byKey`: score each key of a multi-key case (the basic row: 16 keys x 10), not each case.
    init(_ cases: [BatteryCase], byKey: Bool = false) {
        for c in cases {
            if byKey {
                ours.addKeys(heard: Ours.digits(c.samples), expected: c.expected)
                spanDSP.addKeys(heard: SpanDSP.digits(c.samples), expected: c.expected)
            } else {
                ours.add(heard: Ours.digits(c.samples), expected: c.expected)
                spanDSP.add(heard: SpanDSP.digits(c.samples), expected: c.expected)
            }
        }
    }
}

enum Path: CaseIterable {
    case linear, muLaw, aLaw
    var law: G711.Law? { self == .linear ? nil : self == .muLaw ? .muLaw : .aLaw }
    var label: String { self == .linear ? "linear" : self == .muLaw ? "µ-law" : "A-law" }
}

/// What each battery row is, in the words of notes/dtmf.md.
func describe(_ row: Q24Battery.Row) -> String {
    switch row {
    case .basic: return "16 digits x 10, -10 dBm0, 50/50 ms (scored per key)"
    case .frequencyWithin: return "frequency within ±1.5 % detected"
    case .frequencyBeyond: return "frequency 3.5-5 % off rejected"
    case .twistWithin: return "twist -8..+4 dB detected"
    case .twistBeyond: return "twist 12+ dB normal / 8+ dB reverse rejected"
    case .duration40: return "40 ms tones detected"
    case .durationShort: return "tones of 20 ms or less rejected"
    case .pause40: return "40/45 ms pause gives two digits"
    case .dropout: return "5-10 ms dropout inside a press gives one digit"
    case .levels: return "levels 0 to -30 dBm0 detected"
    case .noise15: return "white noise, 15 dB S/N"
    case .noise6: return "white noise, 6 dB S/N"
    case .noise3: return "white noise, 3 dB S/N"
    }
}

// MARK: - Latency

/// Report latency from the true onset on the basic row, in samples, per key that was reported: the
/// report point rounded up to the end of the block the caller fed (so with 160-sample blocks, when a
/// 20 ms frame loop learns of it; with 1-sample blocks, the receiver's own report point).
/// A key is matched to the first report of its digit at or after its onset and before the next key.
func latencies<R: Receiver>(_ receiver: R.Type, cases: [BatteryCase], blockSize: Int) -> (values: [Int64], missed: Int)
{
    var values: [Int64] = []
    var missed = 0
    for c in cases {
        let reports = R.reports(c.samples, blockSize: blockSize)
        var next = 0
        for (index, key) in c.keys.enumerated() {
            let limit = index + 1 < c.keys.count ? Int64(c.keys[index + 1].onsetSample) : Int64.max
            var found: Int64?
            while next < reports.count, reports[next].sample < limit {
                let r = reports[next]
                next += 1
                let delivered = (r.sample + Int64(blockSize) - 1) / Int64(blockSize) * Int64(blockSize)
                if r.digit == key.digit, delivered >= Int64(key.onsetSample) {
                    found = delivered - Int64(key.onsetSample)
                    break
                }
            }
            if let found { values.append(found) } else { missed += 1 }
        }
    }
    return (values.sorted(), missed)
}

func median(_ sorted: [Int64]) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let n = sorted.count
    return n % 2 == 1 ? Double(sorted[n / 2]) : Double(sorted[n / 2 - 1] + sorted[n / 2]) / 2
}
