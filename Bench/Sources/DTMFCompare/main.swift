import BenchSupport
import DSPCore
import Foundation
import MediaTestSupport

// dtmf-compare: our DTMFDetector against SpanDSP's dtmf_rx on the same samples, scored the same way.
// Prints markdown for the README. Options:
//   --rounds N        throughput runs per receiver and corpus, interleaved (default 5)
//   --seconds S       CPU seconds each throughput run lasts at least (default 2)
//   --no-throughput   accuracy, talk-off and latency only
//   --no-accuracy     throughput only
//   --linear-only     skip the µ-law and A-law paths
//   --profile CORPUS [--receiver ours|spandsp]
//                     only run one receiver over one throughput corpus (mix, basic, speech, noise, silence)
//                     for --seconds of CPU time, for a profiler (valgrind --tool=callgrind, perf record)

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let rounds = option("--rounds").flatMap(Int.init) ?? 5
let minimumSeconds = option("--seconds").flatMap(Double.init) ?? 2
let doThroughput = !arguments.contains("--no-throughput")
let doAccuracy = !arguments.contains("--no-accuracy")
let paths: [Path] = arguments.contains("--linear-only") ? [.linear] : Path.allCases
// `--variant a,b`: our receiver with some paths turned off, to see which path hears what.
for variant in (option("--variant") ?? "").split(separator: ",") {
    switch variant {
    case "noAwhite": oursConfiguration.whiteResidualCorrelation = -1
    case "noA": oursConfiguration.purity = 2; oursConfiguration.whiteNoisePurity = 2
    case "noLmain": oursConfiguration.interferedPurity = 2; oursConfiguration.interferedOtherPurity = 2
    case "noLspeech": oursConfiguration.speechPathPurity = 2
    default: fatalError("unknown variant \(variant)")
    }
}
// `--set name=value,...`: any threshold of our receiver's configuration, for tuning without a rebuild.
let settable: [String: WritableKeyPath<DTMFDetector.Configuration, Double>] = [
    "minimumLevelDBm0": \.minimumLevelDBm0,
    "maximumNormalTwistDB": \.maximumNormalTwistDB,
    "maximumReverseTwistDB": \.maximumReverseTwistDB,
    "frequencyTolerance": \.frequencyTolerance,
    "minimumToneMilliseconds": \.minimumToneMilliseconds,
    "releaseMilliseconds": \.releaseMilliseconds,
    "purity": \.purity,
    "whiteNoisePurity": \.whiteNoisePurity,
    "whiteResidualCorrelation": \.whiteResidualCorrelation,
    "groupMarginDB": \.groupMarginDB,
    "stabilityDB": \.stabilityDB,
    "cleanFrequencyTolerance": \.cleanFrequencyTolerance,
    "interferedPurity": \.interferedPurity,
    "interferedOtherPurity": \.interferedOtherPurity,
    "speechResidualCorrelation": \.speechResidualCorrelation,
    "interferedFrequencyTolerance": \.interferedFrequencyTolerance,
    "interferedStabilityDB": \.interferedStabilityDB,
    "interferedQuarterStabilityDB": \.interferedQuarterStabilityDB,
    "interferedMaximumNormalTwistDB": \.interferedMaximumNormalTwistDB,
    "interferedMaximumReverseTwistDB": \.interferedMaximumReverseTwistDB,
    "interferedMinimumToneMilliseconds": \.interferedMinimumToneMilliseconds,
    "harmonicCorrelation": \.harmonicCorrelation,
    "harmonicCosine": \.harmonicCosine,
    "speechPathPurity": \.speechPathPurity,
    "speechPathGroupMarginDB": \.speechPathGroupMarginDB,
    "speechPathStabilityDB": \.speechPathStabilityDB,
    "speechPathQuarterStabilityDB": \.speechPathQuarterStabilityDB,
    "speechPathHarmonicCosine": \.speechPathHarmonicCosine,
    "preOnsetLevelDB": \.preOnsetLevelDB,
    "harmonicLevelDB": \.harmonicLevelDB,
    "weakerToneOverResidualDB": \.weakerToneOverResidualDB,
    "lowerOctaveLevelDB": \.lowerOctaveLevelDB,
    "cleanHarmonicCosine": \.cleanHarmonicCosine,
    "echoMaximumDelayMilliseconds": \.echoMaximumDelayMilliseconds,
    "echoReturnLossDB": \.echoReturnLossDB,
]
for assignment in (option("--set") ?? "").split(separator: ",") {
    let parts = assignment.split(separator: "=")
    guard parts.count == 2, let path = settable[String(parts[0])], let value = Double(parts[1]) else {
        fatalError("--set: not name=value for a configuration threshold: \(assignment)")
    }
    oursConfiguration[keyPath: path] = value
}
// The talk-off corpus (`make talkoff-corpus`): `--talkoff DIR` names another; `--talkoff-only` runs only
// the talk-off comparison, `--half tune|check` on one half, `--no-spandsp` ours alone; `--list N` lists at
// most N false keys (default 400).
let talkOffDirectory = option("--talkoff") ?? TalkOffCorpus.benchDirectory.replacingOccurrences(of: "Bench/", with: "")
let talkOffListLimit = option("--list").flatMap(Int.init) ?? 400
let talkOffCorpus: TalkOffCorpus? = {
    guard var corpus = try? TalkOffCorpus(directory: talkOffDirectory) else { return nil }
    if let half = option("--half").flatMap(TalkOffCorpus.Half.init(rawValue:)) {
        corpus.entries = corpus.entries.filter { $0.half == half }
    }
    return corpus
}()
if arguments.contains("--talkoff-only") {
    guard let corpus = talkOffCorpus else {
        FileHandle.standardError.write("no talk-off corpus in \(talkOffDirectory) (make talkoff-corpus)\n".data(using: .utf8)!)
        exit(66)
    }
    let spanDSP = !arguments.contains("--no-spandsp")
    let started = Date()
    let result = TalkOffResult(corpus.entries, spanDSP: spanDSP)
    printTalkOff(corpus, result, spanDSP: spanDSP, listLimit: talkOffListLimit)
    if let dump = option("--dump-keys") {
        // Our false keys, one per line: file, onset, reported sample, digit, duration (samples).
        var text = ""
        for k in result.falseKeys where k.receiver == "ours" {
            text += "\(k.entry.path)\t\(Int64(k.onsetSeconds * 8000))\t\(k.reportedSample)\t\(k.digit)\t\(Int(k.durationMilliseconds * 8))\t\(k.entry.path)\t\(k.evidence)\n"
        }
        try! text.write(toFile: dump, atomically: true, encoding: .utf8)
    }
    if let dump = option("--dump-battery") {
        // Every key ours reports in the battery's detection rows and the speech rows, for offline
        // analysis: each case's samples as DIR/N.sln, and DIR/keys.tsv: case, onset, reported, digit.
        try? FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
        var cases: [BatteryCase] = []
        for row in Q24Battery.Row.allCases where !row.expectsRejection { cases += Q24Battery.cases(row) }
        let utterances = AsteriskSounds.allisonUtterances()
        for db in [5.0, 0.0] { cases += Q24Battery.speechCases(utterances: utterances, aboveSpeechDB: db) }
        var text = ""
        for (n, c) in cases.enumerated() {
            let data = c.samples.withUnsafeBufferPointer { Data(buffer: $0) }
            FileManager.default.createFile(atPath: "\(dump)/\(n).sln", contents: data)
            for k in ourKeys(c.samples) {
                text += "\(dump)/\(n).sln\t\(k.onset)\t\(k.reported)\t\(k.digit)\t\(k.duration)\t\(c.label)\t\(k.evidence)\n"
            }
        }
        try! text.write(toFile: dump + "/keys.tsv", atomically: true, encoding: .utf8)
    }
    FileHandle.standardError.write("talk-off: \(fmt(Date().timeIntervalSince(started), 1)) s\n".data(using: .utf8)!)
    exit(0)
}

func shell(_ command: String) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    process.waitUntilExit()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return process.terminationStatus == 0 && !text.isEmpty ? text : nil
}

func ms(_ samples: Double) -> String { String(format: "%.1f ms", samples / 8) }
func fmt(_ value: Double, _ decimals: Int = 0) -> String { String(format: "%.\(decimals)f", value) }
func thousands(_ value: Double) -> String {
    let n = Int(value.rounded())
    let s = String(n)
    var out = ""
    for (i, ch) in s.reversed().enumerated() {
        if i > 0, i % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return String(out.reversed())
}

func corpus(_ name: String) -> (String, [Int16])? {
    switch name {
    case "mix": return ("60 s mix: battery rows in turn + Allison speech", BenchAudio.comparisonMix())
    case "basic": return ("basic battery row looped", BenchAudio.loop(BenchAudio.basicSequence(), seconds: 60))
    case "speech": return BenchAudio.speech(seconds: 60).map { ("speech (Allison prompts)", $0) }
    case "noise": return ("white noise -20 dBm0", BenchAudio.whiteNoise(seconds: 60, levelDBm0: -20))
    case "silence": return ("silence", BenchAudio.silence(seconds: 60))
    default: return nil
    }
}

// `--dump-events`: every event of one pass over each corpus (and the talk-off files) in 160-sample
// blocks and in odd 37-sample blocks, Doubles as bit patterns, so that a speed change can be diffed
// against the previous build for bit-identical decisions. `--battery` adds every scored accuracy case.
if CommandLine.arguments.contains("--dump-events") {
    var streams: [(String, [Int16])] = ["mix", "basic", "speech", "noise"].compactMap { corpus($0) }
    for file in AsteriskSounds.talkOffFiles() { if let s = AsteriskSounds.read(file) { streams.append((file, s)) } }
    // With `--battery`: also every case the accuracy tables score (all rows, speech rows, three paths),
    // in 160-sample blocks.
    var caseStreams: [(String, [Int16])] = []
    if arguments.contains("--battery") {
        let utterances = AsteriskSounds.allisonUtterances()
        for path in Path.allCases {
            for row in Q24Battery.Row.allCases {
                for (i, c) in Q24Battery.cases(row, law: path.law).enumerated() {
                    caseStreams.append(("\(path.label) \(row) \(i)", c.samples))
                }
            }
            if !utterances.isEmpty {
                for db in [5.0, 0.0] {
                    for (i, c) in Q24Battery.speechCases(utterances: utterances, aboveSpeechDB: db, law: path.law)
                        .enumerated()
                    {
                        caseStreams.append(("\(path.label) speech \(db) \(i)", c.samples))
                    }
                }
            }
        }
    }
    for (label, samples) in streams + caseStreams {
        for block in caseStreams.contains(where: { $0.0 == label }) ? [160] : [160, 37] {
            var detector = DTMFDetector()
            var lines: [String] = []
            let record = { (e: DTMFDetector.Event) in
                lines.append(
                    "\(label) \(block) \(e.kind) \(e.digit) \(e.onsetSample) \(e.reportedSample) \(e.durationSamples) \(e.lowLevelDBm0.bitPattern) \(e.highLevelDBm0.bitPattern)"
                )
            }
            samples.withUnsafeBufferPointer { audio in
                var start = 0
                while start < audio.count {
                    let end = min(start + block, audio.count)
                    detector.process(UnsafeBufferPointer(rebasing: audio[start..<end]), record)
                    start = end
                }
            }
            detector.finish(record)
            print("\(label) \(block): \(lines.count) events")
            for line in lines { print(line) }
        }
    }
    exit(0)
}

if let name = option("--profile") {
    guard let (label, samples) = corpus(name) else { fatalError("unknown corpus \(name)") }
    let receiver = option("--receiver") ?? "ours"
    // About --seconds of CPU time at ~10,000 channels per core.
    let passes = max(1, Int(minimumSeconds * 10_000 * 8000 / Double(samples.count)))
    let run = samples.withUnsafeBufferPointer { audio in
        receiver == "spandsp" ? runSpanDSP(audio, passes: passes) : runOurs(audio, passes: passes)
    }
    print(
        "\(receiver) on \(label): \(passes) passes, \(fmt(run.cpuSeconds, 3)) CPU s, \(thousands(run.channelsPerCore)) channels per core, \(run.events) events"
    )
    exit(0)
}

print("# DTMF receivers side by side: ours (DSPCore.DTMFDetector) and SpanDSP (dtmf_rx)")
print("")
print("- machine: \(Machine.cpuModel), \(Machine.coreCount) cores (shared; figures are ratios within one run)")
print("- date: \(Machine.date)")
print(
    "- SpanDSP: \(shell("pkg-config --modversion spandsp").map { "libspandsp \($0)" } ?? "libspandsp"), default parameters"
)
print(
    "- both fed the same 16-bit samples in 160-sample (20 ms) blocks; a case counts when the digits reported equal the digits expected"
)
print("- build: `swift run -c release dtmf-compare` in Bench/")
print("")

if doAccuracy {
    let start = Date()
    let rows = Q24Battery.Row.allCases
    var results: [Path: [Q24Battery.Row: Comparison]] = [:]
    for path in paths {
        var byRow: [Q24Battery.Row: Comparison] = [:]
        for row in rows { byRow[row] = Comparison(Q24Battery.cases(row, law: path.law), byKey: row == .basic) }
        results[path] = byRow
    }
    let utterances = AsteriskSounds.allisonUtterances()
    var speech: [Path: [(String, Comparison)]] = [:]
    if !utterances.isEmpty {
        for path in paths {
            speech[path] = [5.0, 0.0].map { db in
                let label =
                    db > 0
                    ? "digit \(Int(db)) dB above speech (barge-in) detected"
                    : "digit at the level of speech detected"
                return (
                    label,
                    Comparison(
                        Q24Battery.speechCases(
                            utterances: utterances, aboveSpeechDB: db,
                            law: path.law))
                )
            }
        }
    }

    print("## Synthesised Q.24 battery, linear 16-bit")
    print("")
    print("| row | cases | ours | SpanDSP |")
    print("|---|---:|---|---|")
    for row in rows {
        let c = results[.linear]![row]!
        print(
            "| \(describe(row)) | \(c.ours.cases) | \(c.ours.cell(rejection: row.expectsRejection)) | \(c.spanDSP.cell(rejection: row.expectsRejection)) |"
        )
    }
    for (label, c) in speech[.linear] ?? [] {
        print("| \(label) | \(c.ours.cases) | \(c.ours.cell(rejection: false)) | \(c.spanDSP.cell(rejection: false)) |")
    }
    if utterances.isEmpty { print("\n(speech rows skipped: \(AsteriskSounds.allison) not found)") }
    print("")
    print(
        "Speech rows: Q24Battery.speechCases, 4 keys per digit mixed into the utterances below \(AsteriskSounds.allison) (\(utterances.count) files, `Corpus.englishUtterances()` as in the tests)."
    )
    print("")

    if paths.count > 1 {
        print("## The same battery through G.711 (encode + decode before the receiver)")
        print("")
        print("| row | cases | ours µ-law | SpanDSP µ-law | ours A-law | SpanDSP A-law |")
        print("|---|---:|---|---|---|---|")
        for row in rows {
            let m = results[.muLaw]![row]!, a = results[.aLaw]![row]!
            let r = row.expectsRejection
            print(
                "| \(describe(row)) | \(m.ours.cases) | \(m.ours.cell(rejection: r)) | \(m.spanDSP.cell(rejection: r)) | \(a.ours.cell(rejection: r)) | \(a.spanDSP.cell(rejection: r)) |"
            )
        }
        for (index, (label, m)) in (speech[.muLaw] ?? []).enumerated() {
            let a = speech[.aLaw]![index].1
            print(
                "| \(label) | \(m.ours.cases) | \(m.ours.cell(rejection: false)) | \(m.spanDSP.cell(rejection: false)) | \(a.ours.cell(rejection: false)) | \(a.spanDSP.cell(rejection: false)) |"
            )
        }
        print("")
    }

    // Talk-off.
    if let corpus = talkOffCorpus {
        let result = TalkOffResult(corpus.entries, spanDSP: true)
        printTalkOff(corpus, result, spanDSP: true, listLimit: talkOffListLimit)
    } else {
        print("## Talk-off\n\n(skipped: no corpus in \(talkOffDirectory); `make talkoff-corpus` builds it)\n")
    }

    // Latency.
    let basic = Q24Battery.cases(.basic)
    print("## Report latency from tone onset, basic row (\(basic.flatMap(\.keys).count) keys, linear)")
    print("")
    print("| fed in | ours: median (min-max) | SpanDSP: median (min-max) |")
    print("|---|---|---|")
    for (label, block) in [
        ("1-sample blocks (each receiver's own report point)", 1),
        ("160-sample blocks (when a 20 ms frame loop learns of it)", 160),
    ] {
        let o = latencies(Ours.self, cases: basic, blockSize: block)
        let s = latencies(SpanDSP.self, cases: basic, blockSize: block)
        func cell(_ l: (values: [Int64], missed: Int)) -> String {
            guard let first = l.values.first, let last = l.values.last else { return "none reported" }
            return "\(ms(median(l.values))) (\(ms(Double(first)))-\(ms(Double(last))))"
                + (l.missed > 0 ? ", \(l.missed) keys unreported" : "")
        }
        print("| \(label) | \(cell(o)) | \(cell(s)) |")
    }
    print("")
    print(
        "Ours reports at the end of a 2.5 ms sub-block, SpanDSP at the end of a 102-sample (12.75 ms) block; in a 20 ms frame loop both are learned at the end of the frame."
    )
    print("")
    FileHandle.standardError.write(
        "accuracy, talk-off and latency: \(fmt(Date().timeIntervalSince(start), 1)) s\n".data(using: .utf8)!)
}

if doThroughput {
    print("## Throughput, real-time 8 kHz channels per core")
    print("")
    print(
        "One receiver per run, 160-sample frames, the stream continuing over repeated passes until the run lasts ≥ \(fmt(minimumSeconds, 1)) s of thread CPU time; \(rounds) runs each, ours and SpanDSP interleaved. Channels per core = audio seconds / CPU seconds."
    )
    print("")
    print("| audio | seconds | ours: median (best) | SpanDSP: median (best) | ours / SpanDSP (median) |")
    print("|---|---:|---|---|---:|")
    let corpora = ["mix", "basic", "speech", "noise", "silence"].compactMap(corpus)
    for (name, samples) in corpora {
        let r = measureThroughput(name, samples, rounds: rounds, minimumSeconds: minimumSeconds)
        let o = ThroughputResult.medianOf(r.ours), s = ThroughputResult.medianOf(r.spanDSP)
        print(
            "| \(name) | \(fmt(r.audioSeconds)) | \(thousands(o)) (\(thousands(ThroughputResult.bestOf(r.ours)))) | \(thousands(s)) (\(thousands(ThroughputResult.bestOf(r.spanDSP)))) | \(fmt(o / s, 2)) |"
        )
        fflush(nil)  // all streams: the table row appears as soon as it is measured
    }
    print("")
}
