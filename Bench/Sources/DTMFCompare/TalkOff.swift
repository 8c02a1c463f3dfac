import CSpanDSP
import DSPCore
import Foundation
import MediaTestSupport

// MARK: - Talk-off over the corpus of `make talkoff-corpus`

/// One false key: where it was heard and what it looked like.
struct FalseKey {
    var receiver: String
    var entry: TalkOffCorpus.Entry
    var digit: DTMFDigit
    var onsetSeconds: Double
    var durationMilliseconds: Double
    /// High tone minus low tone, dB (ours only: SpanDSP reports one level).
    var twistDB: Double?
    /// Per tone (ours: the mean of the two), dBm0.
    var levelDBm0: Double
    /// Where the key-down was reported, in samples, and what the pair stood out from (ours only).
    var reportedSample: Int64 = 0
    var evidence: String = "-"
}

/// Every key-down of our receiver over `samples`, with its duration and levels.
func ourKeys(_ samples: [Int16], configuration: DTMFDetector.Configuration = oursConfiguration)
    -> [(digit: DTMFDigit, onset: Int64, duration: Int64, low: Double, high: Double, reported: Int64, evidence: DTMFDetector.Event.Evidence)]
{
    var detector = DTMFDetector(configuration: configuration)
    var keys: [(digit: DTMFDigit, onset: Int64, duration: Int64, low: Double, high: Double, reported: Int64, evidence: DTMFDetector.Event.Evidence)] = []
    let record = { (e: DTMFDetector.Event) in
        if e.kind == .keyUp {
            keys.append((e.digit, e.onsetSample, e.durationSamples, e.lowLevelDBm0, e.highLevelDBm0, e.keyDownReportedSample, e.evidence))
        }
    }
    samples.withUnsafeBufferPointer { audio in
        var start = 0
        while start < audio.count {
            let end = min(start + 160, audio.count)
            detector.process(UnsafeBufferPointer(rebasing: audio[start..<end]), record)
            start = end
        }
    }
    detector.finish(record)
    return keys
}

/// SpanDSP's `dtmf_rx` through its real-time callback, which reports each digit's start (with its
/// level) and end. Confined to the thread that created it.
final class SpanDSPKeys {
    let state: OpaquePointer
    var sample: Int64 = 0
    var open: (digit: DTMFDigit, start: Int64, level: Double)?
    var keys: [(digit: DTMFDigit, start: Int64, duration: Int64, level: Double)] = []

    init() {
        guard let state = dtmf_rx_init(nil, nil, nil) else { fatalError("dtmf_rx_init failed") }
        self.state = state
        dtmf_rx_set_realtime_callback(
            state,
            { userData, code, level, _ in
                guard let userData else { return }
                Unmanaged<SpanDSPKeys>.fromOpaque(userData).takeUnretainedValue().report(code, level)
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { dtmf_rx_free(state) }

    func report(_ code: Int32, _ level: Int32) {
        close()
        if code != 0, let digit = DTMFDigit(Character(Unicode.Scalar(UInt8(truncatingIfNeeded: code)))) {
            open = (digit, sample, Double(level))
        }
    }

    func close() {
        if let o = open { keys.append((o.digit, o.start, sample - o.start, o.level)) }
        open = nil
    }

    func run(_ samples: [Int16]) {
        samples.withUnsafeBufferPointer { audio in
            var start = 0
            while start < audio.count {
                let end = min(start + 160, audio.count)
                sample = Int64(end)
                _ = dtmf_rx(state, audio.baseAddress! + start, Int32(end - start))
                start = end
            }
        }
        close()
    }
}

/// False keys per corpus part for both receivers.
struct TalkOffResult {
    struct Cell {
        var files = 0
        var seconds = 0.0
        var ours = 0
        var spanDSP = 0
    }
    var cells: [String: Cell] = [:]
    var falseKeys: [FalseKey] = []

    static func key(_ half: TalkOffCorpus.Half, _ copy: TalkOffCorpus.Copy, _ kind: TalkOffCorpus.Kind) -> String {
        "\(half.rawValue) \(copy.rawValue) \(kind.rawValue)"
    }

    /// Runs both receivers (or ours alone) over `entries`, two files at a time.
    init(_ entries: [TalkOffCorpus.Entry], spanDSP: Bool, configuration: DTMFDetector.Configuration = oursConfiguration) {
        /// The results of the files done so far, behind a lock: two threads add to them.
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var results: TalkOffResult
            init(_ results: TalkOffResult) { self.results = results }
        }
        let shared = Shared(self)
        DispatchQueue.concurrentPerform(iterations: entries.count) { index in
            let entry = entries[index]
            guard let samples = try? TalkOffCorpus.samples(entry) else {
                FileHandle.standardError.write("cannot read \(entry.path)\n".data(using: .utf8)!)
                return
            }
            let seconds = Double(samples.count) / 8000
            var found: [FalseKey] = []
            for k in ourKeys(samples, configuration: configuration) {
                found.append(
                    FalseKey(
                        receiver: "ours", entry: entry, digit: k.digit, onsetSeconds: Double(k.onset) / 8000,
                        durationMilliseconds: Double(k.duration) / 8, twistDB: k.high - k.low,
                        levelDBm0: (k.low + k.high) / 2, reportedSample: k.reported, evidence: k.evidence.rawValue))
            }
            let ours = found.count
            if spanDSP {
                let channel = SpanDSPKeys()
                channel.run(samples)
                for k in channel.keys {
                    found.append(
                        FalseKey(
                            receiver: "SpanDSP", entry: entry, digit: k.digit, onsetSeconds: Double(k.start) / 8000,
                            durationMilliseconds: Double(k.duration) / 8, twistDB: nil, levelDBm0: k.level))
                }
            }
            shared.lock.lock()
            let name = Self.key(entry.half, entry.copy, entry.kind)
            shared.results.cells[name, default: Cell()].files += 1
            shared.results.cells[name, default: Cell()].seconds += seconds
            shared.results.cells[name, default: Cell()].ours += ours
            shared.results.cells[name, default: Cell()].spanDSP += found.count - ours
            shared.results.falseKeys += found
            shared.lock.unlock()
        }
        self = shared.results
        falseKeys.sort { ($0.entry.path, $0.onsetSeconds, $0.receiver) < ($1.entry.path, $1.onsetSeconds, $1.receiver) }
    }

    /// The sum of the cells whose half, copy and kind match (nil: any).
    func total(half: TalkOffCorpus.Half? = nil, copy: TalkOffCorpus.Copy? = nil, kind: TalkOffCorpus.Kind? = nil)
        -> Cell
    {
        var sum = Cell()
        for h in TalkOffCorpus.Half.allCases where half == nil || half == h {
            for c in TalkOffCorpus.Copy.allCases where copy == nil || copy == c {
                for k in TalkOffCorpus.Kind.allCases where kind == nil || kind == k {
                    guard let cell = cells[Self.key(h, c, k)] else { continue }
                    sum.files += cell.files
                    sum.seconds += cell.seconds
                    sum.ours += cell.ours
                    sum.spanDSP += cell.spanDSP
                }
            }
        }
        return sum
    }
}

/// Prints the talk-off tables: false keys per hour by half, copy and kind, ours beside SpanDSP, then
/// every false key (`listLimit` at most).
func printTalkOff(_ corpus: TalkOffCorpus, _ result: TalkOffResult, spanDSP: Bool, listLimit: Int) {
    func perHour(_ count: Int, _ seconds: Double) -> String {
        seconds > 0 ? "\(count) (\(fmt(Double(count) / seconds * 3600, 2))/h)" : "-"
    }
    print("## Talk-off: false keys in music and speech (`make talkoff-corpus`)")
    print("")
    print(
        "Corpus: \(corpus.entries.count) files, \(fmt(corpus.entries.reduce(0) { $0 + $1.seconds } / 3600, 1)) h, in \(corpus.directory). Tuning half and check half split by source file; `hot` = 300-3400 Hz, peaks raised to full scale with soft clipping, through µ-law."
    )
    print("")
    print("| half | copy | kind | files | hours | ours: false keys (per hour) | SpanDSP: false keys (per hour) |")
    print("|---|---|---|---:|---:|---|---|")
    for half in TalkOffCorpus.Half.allCases {
        for copy in TalkOffCorpus.Copy.allCases {
            for kind in TalkOffCorpus.Kind.allCases {
                let c = result.total(half: half, copy: copy, kind: kind)
                guard c.files > 0 else { continue }
                print(
                    "| \(half.rawValue) | \(copy.rawValue) | \(kind.rawValue) | \(c.files) | \(fmt(c.seconds / 3600, 2)) | \(perHour(c.ours, c.seconds)) | \(spanDSP ? perHour(c.spanDSP, c.seconds) : "-") |"
                )
            }
        }
        let c = result.total(half: half)
        print(
            "| **\(half.rawValue)** | all | all | \(c.files) | \(fmt(c.seconds / 3600, 2)) | **\(perHour(c.ours, c.seconds))** | **\(spanDSP ? perHour(c.spanDSP, c.seconds) : "-")** |"
        )
    }
    print("")
    guard !result.falseKeys.isEmpty else { return }
    print("Every false key (file relative to the corpus; time of onset; twist = high - low):")
    print("")
    print("| receiver | file | time | key | duration | twist | level | heard as |")
    print("|---|---|---:|---|---:|---:|---:|---|")
    for k in result.falseKeys.prefix(listLimit) {
        let file = String(k.entry.path.dropFirst(corpus.directory.count + 1))
        print(
            "| \(k.receiver) | \(file) | \(fmt(k.onsetSeconds, 2)) s | \(k.digit) | \(fmt(k.durationMilliseconds)) ms | \(k.twistDB.map { fmt($0, 1) + " dB" } ?? "-") | \(fmt(k.levelDBm0, 1)) dBm0 | \(k.evidence) |"
        )
    }
    if result.falseKeys.count > listLimit { print("| … \(result.falseKeys.count - listLimit) more | | | | | | | |") }
    print("")
}
