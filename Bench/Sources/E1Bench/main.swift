// e1-bench: the live per-frame path of an E1 (30 lines, 160-frame periods): how long one period of
// `AudioLoop.runPeriod(at:)` takes, period by period (p50, p99, p99.9, max from an HdrHistogram), its
// malloc count, and how many lines one core sustains in real time; beside it, in the same run, its parts
// alone on the same audio and schedule: the 30 DTMF receivers, the 30 prompt mixers, and the fake device's
// read and write. The scenario is `E1Scenario` (the one of PipelineBenchmarks).
//
//   swift run -c release e1-bench [--rounds 10] [--periods 3000]
//
// Each period is timed with the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID: the work, without the time
// the thread was preempted) and the monotonic clock (CLOCK_MONOTONIC: what a deadline sees, preemption
// on this shared machine included). Mallocs are counted around each period by malloc-interposer, whose
// library this program links (needed before libc, its malloc is the process's); should a probe find it
// not counting, the program starts itself again with the library in LD_PRELOAD, as package-benchmark does.
import AudioIO
import BenchSupport
import DSPCore
import E1Scenario
import Foundation
import Histogram
import MallocInterposerSwift
import MediaPipeline
import PromptMixer

// MARK: - Malloc counting

/// Where the probe's allocation goes, so that the compiler cannot remove the malloc-free pair.
nonisolated(unsafe) var probe: UnsafeMutableRawPointer?

@inline(never)
func keep(_ pointer: UnsafeMutableRawPointer?) { probe = pointer }

/// Whether the interposer counts this process's mallocs (a malloc of the probe's own is seen).
func interposerCounts() -> Bool {
    MallocInterposerSwift.hook()
    let before = MallocInterposerSwift.getStatistics().mallocCount
    keep(malloc(64))
    free(probe)
    return MallocInterposerSwift.getStatistics().mallocCount > before
}

let counting = interposerCounts()
if !counting, getenv("E1_BENCH_PRELOADED") == nil {
    // Start again with the interposer preloaded, as package-benchmark runs its benchmarks.
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let library = executable.deletingLastPathComponent().appendingPathComponent("libMallocInterposerSwift.so").path
    if FileManager.default.fileExists(atPath: library) {
        setenv("LD_PRELOAD", library, 1)
        setenv("E1_BENCH_PRELOADED", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
    }
}

// MARK: - Options

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil } ?? fallback
}
let rounds = option("--rounds", 10)
let periods = option("--periods", 3000)
let warmupPeriods = 100

// MARK: - Clocks and measuring

@inline(__always)
func nanoseconds(_ clock: clockid_t) -> UInt64 {
    var t = timespec()
    clock_gettime(clock, &t)
    return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
}

@inline(__always)
func minorFaults() -> Int {
    var usage = rusage()
    getrusage(1, &usage)  // RUSAGE_THREAD (Linux), which Glibc's module does not export
    return usage.ru_minflt
}

/// One path's periods over every round.
struct PathResult {
    let name: String
    var cpu = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
    var wall = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
    var cpuTotal: UInt64 = 0
    var periods = 0
    var mallocs = 0
    var periodsWithMallocs = 0
    var firstPeriodMallocs = 0
    var warmupMallocs = 0
    var faults = 0

    init(_ name: String) { self.name = name }

    /// Mean thread CPU time per period, µs.
    var meanMicroseconds: Double { Double(cpuTotal) / Double(max(periods, 1)) / 1000 }
    /// 30 lines x (20 ms / mean CPU time per period).
    var linesPerCore: Double { Double(E1Scenario.lineCount) * 20_000 / meanMicroseconds }
}

/// Runs `body` `count` times after `warmupPeriods` untimed ones, timing each call and counting its
/// mallocs; `prepare` runs before each call, untimed (the control side's part).
@inline(__always)
func measure(
    _ result: inout PathResult, count: Int, prepare: () -> Void = {}, _ body: () -> Void
) {
    // The first period alone (a new loop's first period), then the rest of the warm-up; `prepare` (the
    // control side) is counted here too, and allocates nothing.
    var before = counting ? MallocInterposerSwift.getStatistics().mallocCount : 0
    prepare()
    body()
    if counting { result.firstPeriodMallocs += MallocInterposerSwift.getStatistics().mallocCount - before }
    before = counting ? MallocInterposerSwift.getStatistics().mallocCount : 0
    for _ in 1..<warmupPeriods {
        prepare()
        body()
    }
    if counting { result.warmupMallocs += MallocInterposerSwift.getStatistics().mallocCount - before }
    let faultsBefore = minorFaults()
    var mallocs = 0
    for _ in 0..<count {
        prepare()
        let mallocsBefore = counting ? MallocInterposerSwift.getStatistics().mallocCount : 0
        let wall0 = nanoseconds(CLOCK_MONOTONIC)
        let cpu0 = nanoseconds(CLOCK_THREAD_CPUTIME_ID)
        body()
        let cpu1 = nanoseconds(CLOCK_THREAD_CPUTIME_ID)
        let wall1 = nanoseconds(CLOCK_MONOTONIC)
        if counting {
            let allocated = MallocInterposerSwift.getStatistics().mallocCount - mallocsBefore
            if allocated > 0 {
                mallocs += allocated
                result.periodsWithMallocs += 1
            }
        }
        _ = result.cpu.record(cpu1 - cpu0)
        _ = result.wall.record(wall1 - wall0)
        result.cpuTotal += cpu1 - cpu0
    }
    result.faults += minorFaults() - faultsBefore
    result.mallocs += mallocs
    result.periods += count
}

// MARK: - The paths

let scenario: E1Scenario
do {
    scenario = try E1Scenario()
} catch {
    FileHandle.standardError.write(Data("e1-bench: \(error)\n".utf8))
    exit(1)
}
// Up to three fakes' playback records at a time (the whole path's, the device's, the last run's not yet
// freed), resident beforehand.
ResidentMemory.prepare(bytes: 3 * ResidentMemory.largestBlock)
let lines = E1Scenario.lineCount
let frames = E1Scenario.periodFrames
let loopSamples = E1Scenario.loopPeriods * frames
/// Every line's audio, line after line, for the receiver alone.
let lineMajor: [Int16] = scenario.lineAudio.flatMap { $0 }

var loopResult = PathResult("`AudioLoop.runPeriod`: the whole path (device, commands, receivers, mixers)")
var receiverResult = PathResult("the DTMF receiver alone (30 `DTMFDetector()`, made one by one)")
var sharedReceiverResult = PathResult(
    "the DTMF receiver alone, made as copies of one value (`[DTMFDetector](repeating:count:)`; the old bug)")
var mixerResult = PathResult("the prompt mixer alone (30 `LineMixer`, the same prompt schedule)")
var deviceResult = PathResult("the fake device alone (`FakeDuplexDevice` read + write)")
var freshResult = PathResult("first write of 9,600 fresh bytes (the fake's growing playback record)")
var emptyResult = PathResult("nothing (the two clocks' own cost)")
var keysDetected = 0
var checksum = 0

/// Runs the receivers alone over the lines' audio; returns the key-downs reported.
func runReceivers(_ result: inout PathResult, _ make: () -> [DTMFDetector]) -> Int {
    // Made here, so that nothing else holds the array (a second reference would make the first write
    // copy it, and every detector's arrays with it).
    var detectors = make()
    var period = 0
    var keys = 0
    lineMajor.withUnsafeBufferPointer { audio in
        measure(&result, count: periods) {
            let offset = period % E1Scenario.loopPeriods * frames
            for line in 0..<lines {
                let start = line * loopSamples + offset
                detectors[line].process(UnsafeBufferPointer(rebasing: audio[start..<(start + frames)])) { event in
                    if event.kind == .keyDown { keys += 1 }
                }
            }
            period += 1
        }
    }
    return keys
}

for _ in 0..<rounds {
    // The whole path.
    let e1 = E1Loop(scenario, capacityPeriods: warmupPeriods + periods)
    measure(&loopResult, count: periods, prepare: { e1.prepareNextPeriod() }) {
        do throws(ALSAError) {
            try e1.runPeriod()
        } catch {
            fatalError("e1-bench: the fake device failed: \(error)")
        }
    }

    // The receivers alone, on each line's audio in 160-sample blocks: made one by one, and as
    // `AudioLoop.init` made them before the fix (30 copies of one value, whose arrays the copies share until
    // written: the first write copied them on the audio thread).
    keysDetected = runReceivers(&receiverResult) { (0..<lines).map { _ in DTMFDetector() } }
    _ = runReceivers(&sharedReceiverResult) { [DTMFDetector](repeating: DTMFDetector(), count: lines) }

    // The mixers alone, with the loop's prompt schedule; a key's barge-in stop comes with the reaction.
    var mixers = (0..<lines).map { _ in LineMixer(library: scenario.library, voiceCapacity: 4) }
    var schedule = PromptSchedule(scenario)
    var pending = [(command: MixerCommand, line: Int)]()
    pending.reserveCapacity(4 * lines)
    var out = [Int16](repeating: 0, count: frames)
    var period = 0
    out.withUnsafeMutableBufferPointer { frame in
        measure(
            &mixerResult, count: periods,
            prepare: {
                pending.removeAll(keepingCapacity: true)
                schedule.commands(beforePeriod: period) { command, line in pending.append((command, line)) }
            }
        ) {
            for (command, line) in pending {
                switch command {
                case .start(let prompt, _, _): _ = mixers[line].start(prompt, tag: .prompt)
                case .stopPrompts: mixers[line].stopAll(tag: .prompt)
                }
            }
            for line in 0..<lines {
                let ends = mixers[line].render(into: frame)
                checksum &+= Int(frame[line]) &+ ends.count
            }
            period += 1
        }
    }

    // The fake device alone.
    let device = FakeDuplexDevice(
        channels: lines, periodFrames: frames, capture: scenario.capture, loopsCapture: true,
        writeCapacityFrames: (warmupPeriods + periods) * frames)
    var buffer = [Int16](repeating: 0, count: lines * frames)
    buffer.withUnsafeMutableBufferPointer { buffer in
        measure(&deviceResult, count: periods) {
            do throws(ALSAError) {
                _ = try device.read(into: buffer, frames: frames)
                _ = try device.write(UnsafeBufferPointer(buffer), frames: frames)
            } catch {
                fatalError("e1-bench: the fake device failed: \(error)")
            }
        }
    }
    checksum &+= Int(buffer[0])

    // What the fake's growing playback record costs: the first write of 9,600 bytes (one period of 30
    // lines) into memory reserved but never touched, as `written` is. A real device writes to its ring.
    let bytes = lines * frames * MemoryLayout<Int16>.size
    let freshBytes = (warmupPeriods + periods) * bytes
    guard let fresh = mmap(nil, freshBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
        fresh != MAP_FAILED
    else { fatalError("e1-bench: mmap failed") }
    var touched = 0
    measure(&freshResult, count: periods) {
        memset(fresh + touched, Int32(touched & 0x7f), bytes)
        touched += bytes
    }
    checksum &+= Int(fresh.load(fromByteOffset: touched - 1, as: UInt8.self))
    munmap(fresh, freshBytes)

    measure(&emptyResult, count: periods) {}
}

// MARK: - Report

/// 12,345 (the README's style).
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { result += "," }
        result.append(character)
    }
    return (value < 0 ? "-" : "") + result
}
func microseconds(_ nanoseconds: UInt64) -> String { String(format: "%.1f", Double(nanoseconds) / 1000) }
/// "p50 | p99 | p99.9 | max", µs.
func percentiles(_ histogram: Histogram<UInt64>) -> String {
    [50, 99, 99.9].map { microseconds(histogram.valueAtPercentile($0)) }.joined(separator: " | ")
        + " | \(microseconds(histogram.max))"
}
func mallocs(_ result: PathResult) -> String {
    guard counting else { return "n/a" }
    guard result.mallocs > 0 else { return "0" }
    return "**\(grouped(result.mallocs))** (in \(grouped(result.periodsWithMallocs)) periods)"
}

let rows = [loopResult, receiverResult, sharedReceiverResult, mixerResult, deviceResult]
let audioSeconds = periods * frames / E1Scenario.sampleRate
print("# e1-bench: the per-frame path of an E1 (30 lines, 160-frame periods)")
print("")
print("- machine: \(Machine.cpuModel), \(Machine.coreCount) cores (shared), \(Machine.date)")
print(
    "- lines: \(scenario.lineSummary) (speech: \(scenario.speechFromCorpus ? "Asterisk corpus" : "noise, no corpus"));"
        + " every line's mixer plays a prompt of Example A (ru); \(scenario.keyCount) keys per 20 s")
print(
    "- \(rounds) runs x \(grouped(periods)) periods (\(audioSeconds) s of audio) per path, each after"
        + " \(warmupPeriods) periods of warm-up (not timed); the paths in turn in each run")
print(
    "- mallocs: "
        + (counting
            ? "malloc-interposer, around each timed period (the timed periods of all runs)"
            : "not counted here (interposer not loaded); PipelineBenchmarks' thresholds check is the gate"))
print("")
print("Thread CPU time per period (`CLOCK_THREAD_CPUTIME_ID`), µs:")
print("")
print(
    "| path, per 20 ms period of 30 lines | p50 | p99 | p99.9 | max | mean | mallocs in \(grouped(rounds * periods))"
        + " periods | lines one core sustains in real time |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for result in rows {
    print(
        "| \(result.name) | \(percentiles(result.cpu)) | \(String(format: "%.1f", result.meanMicroseconds))"
            + " | \(mallocs(result)) | \(grouped(Int(result.linesPerCore.rounded()))) |")
}
print("")
print("Wall time per period (`CLOCK_MONOTONIC`, preemption on this shared machine included), µs:")
print("")
print("| path | p50 | p99 | p99.9 | max | periods over 20 ms |")
print("|---|---:|---:|---:|---:|---:|")
for result in rows {
    print(
        "| \(result.name) | \(percentiles(result.wall)) | \(result.wall.count(within: 20_000_000...UInt64.max)) |")
}
print("")
let whole = loopResult.meanMicroseconds
let parts = receiverResult.meanMicroseconds + mixerResult.meanMicroseconds + deviceResult.meanMicroseconds
print(
    String(
        format: "Of the whole path's mean %.1f µs: receivers %.0f %%, mixers %.0f %%, fake device %.0f %%; the rest,"
            + " %.1f µs (%.0f %%), is the loop's own (de-interleaving, commands, events, re-interleaving) and the"
            + " difference in cache state between the paths run together and alone.",
        whole, 100 * receiverResult.meanMicroseconds / whole, 100 * mixerResult.meanMicroseconds / whole,
        100 * deviceResult.meanMicroseconds / whole, whole - parts, 100 * (whole - parts) / whole))
print("")
let totalPeriods = warmupPeriods + periods
var keysPressed = 0
for onsets in scenario.keyPeriods {
    for onset in onsets {
        var start = onset
        while start + E1Scenario.reactionPeriods < totalPeriods {
            keysPressed += 1
            start += E1Scenario.loopPeriods
        }
    }
}
print("- keys found by the receivers alone in the last run: \(keysDetected) of \(keysPressed) pressed")
if counting {
    print(
        "- mallocs before the timed periods, all runs: in a new loop's first period \(loopResult.firstPeriodMallocs)"
            + " (receivers made as copies of one value: \(sharedReceiverResult.firstPeriodMallocs), one by one:"
            + " \(receiverResult.firstPeriodMallocs)), in the \(warmupPeriods - 1) warm-up periods after it"
            + " \(loopResult.warmupMallocs) (\(sharedReceiverResult.warmupMallocs), \(receiverResult.warmupMallocs))")
}
print(
    "- minor page faults per period: whole path "
        + String(format: "%.2f", Double(loopResult.faults) / Double(max(loopResult.periods, 1)))
        + ", fake device alone "
        + String(format: "%.2f", Double(deviceResult.faults) / Double(max(deviceResult.periods, 1)))
        + String(
            format: ". The fake keeps everything written; its record is reserved in memory made resident"
                + " beforehand (`ResidentMemory`), because the first write of a period's 9,600 bytes to fresh"
                + " memory would cost %.1f µs (mean; %.2f faults per period), which a real device, writing to"
                + " its ring, does not pay", freshResult.meanMicroseconds,
            Double(freshResult.faults) / Double(max(freshResult.periods, 1))))
print("- the clocks' own cost per period: \(microseconds(emptyResult.cpu.valueAtPercentile(50))) µs (p50, CPU)")
if checksum == 42 { print("") }
