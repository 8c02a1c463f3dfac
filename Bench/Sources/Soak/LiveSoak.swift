import AudioIO
import BenchSupport
import DSPCore
import Foundation
import IVRConfiguration
import MediaPipeline
import MediaTestSupport
import PromptMixer
import Synchronization

/// Part 2: `LiveEngine` in lockstep over a `FakeDuplexDevice` of `lines` lines (what is played is dropped), every line answering again after each call (`answerAll`), callers pressing keys
/// (their capture loops), callers hanging up at random (`call_ended` then `call_started` on the control
/// channel), and every `reloadMinutes` of audio a reload by the engine's SIGHUP path, the menu file
/// swapped each time between two valid variants of Example A.
struct LiveSoak {
    var lines: Int
    var hours: Double
    var reloadMinutes: Double
    var seed: UInt64
    var check: GrowthCheck
    /// Seconds of caller audio per line before the capture starts over.
    var loopSeconds = 60

    /// Example A with its prompts' root made absolute (the file is written elsewhere), and a variant
    /// with other timers and retries, so that each reload really changes the menu.
    static func variants(example: String, promptRoot: String) throws -> [String] {
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let first = text.replacingOccurrences(of: "root: ../Prompts", with: "root: \(promptRoot)")
        let second = first.replacingOccurrences(of: "first_digit_ms: 4000", with: "first_digit_ms: 5000")
            .replacingOccurrences(of: "max_noinput: 1, max_invalid: 2", with: "max_noinput: 2, max_invalid: 3")
        guard first != text, second != first else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: example])
        }
        return [first, second]
    }

    /// Each line's caller: keys at random moments (9, which leads somewhere, or a wrong key) between
    /// pauses of up to 12 s, at random levels and twists; interleaved, one channel per line.
    func capture(_ random: inout SeededRandom) -> [Int16] {
        let length = loopSeconds * 8000
        var interleaved = [Int16](repeating: 0, count: length * lines)
        for line in 0..<lines {
            var position = Int.random(in: 0..<16_000, using: &random)
            while true {
                let keys = random.unit() < 0.4 ? "9" : ["1", "2", "5", "#"].randomElement(using: &random)!
                let generator = DTMFGenerator(
                    levelDBm0: Double.random(in: -20 ... -6, using: &random),
                    twistDB: Double.random(in: -3...3, using: &random),
                    onMilliseconds: Double.random(in: 60...120, using: &random), offMilliseconds: 100)
                let tones = generator.render(DTMFDigit.parse(keys)!)
                guard position + tones.count < length else { break }
                for (offset, sample) in tones.enumerated() { interleaved[(position + offset) * lines + line] = sample }
                position += tones.count + Int.random(in: 1000...12_000, using: &random) * 8
            }
        }
        return interleaved
    }

    /// The events, counted as the engine writes them (on the control thread).
    final class Counts {
        var events = 0
        var calls = 0
        var reloads = 0
        var reloadFailures = 0
        var dropped = 0
        /// Events of each call still up, by call id; a call's count goes to the figures at its `call_end`.
        var open: [Substring: Int] = [:]
        var ended = 0, endedEvents = 0, fewest = Int.max, most = 0

        func take(_ line: String) {
            events += 1
            let event = EventLine.event(line)
            switch event {
            case "call_start": calls += 1
            case "config_reloaded": reloads += 1
            case "config_reload_failed": reloadFailures += 1
            case "events_dropped": dropped += 1
            default: break
            }
            guard let id = EventLine.field(line, "call_id"), !id.isEmpty else { return }
            let count = open[id, default: 0] + 1
            if event == "call_end" {
                open[id] = nil
                ended += 1
                endedEvents += count
                fewest = min(fewest, count)
                most = max(most, count)
            } else {
                open[id] = count
            }
        }
    }

    /// The fake device's capture, with a count of the frames captured that the control thread may read
    /// while the audio thread runs (the fake's own counts belong to the audio thread). What the engine
    /// plays is dropped: the fake would keep all of it, 460 KB a minute for 30 lines.
    final class CountingDevice: DuplexAudio, @unchecked Sendable {
        let device: FakeDuplexDevice
        let framesRead = Atomic<Int>(0)
        init(_ device: FakeDuplexDevice) { self.device = device }
        var channels: Int { device.channels }
        var sampleRate: Int { device.sampleRate }
        var periodFrames: Int { device.periodFrames }
        var xrunCount: Int { device.xrunCount }
        func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
            let result = try device.read(into: buffer, frames: frames)
            framesRead.add(result.frames, ordering: .relaxed)
            return result
        }
        func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
            IOResult(frames: frames, recoveredXrun: false)
        }
        func start() throws(ALSAError) { try device.start() }
        func stop() { device.stop() }
    }

    func run(example: String, promptRoot: String) throws -> Bool {
        var random = SeededRandom(seed: seed)
        let variants = try Self.variants(example: example, promptRoot: promptRoot)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ivrmedia-soak-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let menuPath = folder.appendingPathComponent("menu.yaml").path
        try variants[0].write(toFile: menuPath, atomically: true, encoding: .utf8)
        let (configuration, _) = try MenuConfiguration.load(path: menuPath)
        let library = try MenuPrompts.load(configuration)

        let device = CountingDevice(
            FakeDuplexDevice(
                channels: lines, capture: capture(&random), loopsCapture: true, name: "soak"))
        var options = LiveEngine<CountingDevice>.Options(lineIDs: (0..<lines).map { "fxo\($0)" }, menuPath: menuPath)
        options.answerAll = true
        options.durationSeconds = hours * 3600
        options.pacing = .lockstep
        options.transferResult = .busy
        let counts = Counts()
        let engine = LiveEngine(
            device: device, configuration: configuration, library: library, options: options, emit: counts.take)

        let totalFrames = Int(hours * 3600 * 8000)
        let reloadFrames = Int(reloadMinutes * 60 * 8000)
        // Warm-up: the first reload interval when the run holds two or more, else the first quarter.
        let warmUpFrames = totalFrames >= 2 * reloadFrames ? reloadFrames : totalFrames / 4
        var nextReload = reloadFrames
        var warmUp: ResidentSet?
        var marks: [(minutes: Double, memory: ResidentSet, calls: Int)] = []
        var variant = 0
        // A caller hangs up on some line every 3 minutes of audio per line, on average.
        let hangUpChance = Double(lines) / (180 * 50)
        let wallStart = Machine.wallSeconds()
        let outcome = engine.run {
            let frames = device.framesRead.load(ordering: .relaxed)
            if warmUp == nil, frames >= warmUpFrames { warmUp = ResidentSet.now() }
            if frames >= nextReload, nextReload < totalFrames {
                marks.append((Double(frames) / 480_000, ResidentSet.now(), counts.calls))
                // Progress on standard error, so that a long run shows where it is.
                let mark = marks[marks.count - 1]
                FileHandle.standardError.write(
                    Data(
                        String(
                            format: "soak live: %.0f min of audio, %d calls, VmRSS %.1f MB, VmHWM %.1f MB, %.0f s\n",
                            mark.minutes, mark.calls, Double(mark.memory.rssBytes) / 1_048_576,
                            Double(mark.memory.peakBytes) / 1_048_576, Machine.wallSeconds() - wallStart
                        ).utf8))
                nextReload += reloadFrames
                variant = 1 - variant
                try? variants[variant].write(toFile: menuPath, atomically: true, encoding: .utf8)
                return SIGHUP
            }
            if random.unit() < hangUpChance {
                let line = Int.random(in: 0..<lines, using: &random)
                engine.submit("{\"event\":\"call_ended\",\"line\":\"fxo\(line)\"}")
                engine.submit("{\"event\":\"call_started\",\"line\":\"fxo\(line)\"}")
            }
            return nil
        }
        let wall = Machine.wallSeconds() - wallStart
        let end = ResidentSet.now()
        let start = warmUp ?? end
        let memoryPassed = check.passes(start: start, end: end)
        let reloadsPassed = counts.reloads == marks.count && counts.reloadFailures == 0
        let passed = memoryPassed && reloadsPassed && outcome == .finished && counts.dropped == 0

        print("## soak: live (`LiveEngine`, lockstep, \(lines) lines on a FakeDuplexDevice)")
        print("")
        print("| what | value |")
        print("|---|---:|")
        print(String(format: "| audio time | %.2f h × %d lines (seed %llu) |", hours, lines, seed))
        print("| calls started | \(counts.calls) (\(counts.ended) ended) |")
        print(
            String(
                format: "| events | %d (per ended call: mean %.1f, min %d, max %d) |", counts.events,
                Double(counts.endedEvents) / Double(max(counts.ended, 1)), counts.ended > 0 ? counts.fewest : 0,
                counts.most))
        print(
            "| reloads (SIGHUP path, menu swapped each time) | \(counts.reloads) done, \(counts.reloadFailures) failed, \(marks.count) asked |"
        )
        print(String(format: "| wall time | %.1f s (%.0f × real time for all lines) |", wall, hours * 3600 / wall))
        print("| engine outcome | \(outcome) |")
        let warmUpName = String(format: "%.0f min of audio", Double(warmUpFrames) / 480_000)
        for row in Format.memoryRows(start: start, end: end, warmUp: warmUpName) { print(row) }
        print("| check: growth within \(check.description), every reload done | \(passed ? "pass" : "FAIL") |")
        print("")
        if !marks.isEmpty {
            print(
                "VmRSS / VmHWM (MB) at each reload: "
                    + marks.map {
                        String(
                            format: "%.0f min %.1f/%.1f", $0.minutes, Double($0.memory.rssBytes) / 1_048_576,
                            Double($0.memory.peakBytes) / 1_048_576)
                    }.joined(separator: ", "))
            print("")
        }
        return passed
    }
}
