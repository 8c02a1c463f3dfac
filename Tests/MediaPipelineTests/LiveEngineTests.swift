import AudioIO
import DSPCore
import Foundation
import IVRRouting
import MediaCodecs
import PromptMixer
import Synchronization
import Testing

@testable import MediaPipeline

/// A device in memory for the engine's unit tests: capture from arrays (one per line, silence after),
/// playback kept per line. The ALSA paths are tested through alsa-lib in AudioIOTests and the CLI tests.
final class MemoryDuplex: DuplexAudio, @unchecked Sendable {
    let channels: Int
    let periodFrames: Int
    let sampleRate = 8000
    let xrunCount = 0
    let input: [[Int16]]
    var output: [[Int16]]
    var position = 0
    var failAtFrame: Int?

    init(input: [[Int16]], periodFrames: Int = 160) {
        channels = input.count
        self.periodFrames = periodFrames
        self.input = input
        output = [[Int16]](repeating: [], count: input.count)
    }

    func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        if let failAtFrame, position >= failAtFrame {
            throw ALSAError(code: .deviceLost, alsaCode: -19, function: "snd_pcm_readi", device: "memory")
        }
        for frame in 0..<frames {
            for line in 0..<channels {
                let index = position + frame
                buffer[frame * channels + line] = index < input[line].count ? input[line][index] : 0
            }
        }
        position += frames
        return IOResult(frames: frames, recoveredXrun: false)
    }

    func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        for frame in 0..<frames {
            for line in 0..<channels { output[line].append(buffer[frame * channels + line]) }
        }
        return IOResult(frames: frames, recoveredXrun: false)
    }

    func start() throws(ALSAError) {}
    func stop() {}
}

/// Lines written from the control thread, read by the test.
final class Collected: Sendable {
    let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite(.serialized) struct LiveEngineTests {
    static func engine(
        _ device: MemoryDuplex, duration: Double, answerAll: Bool = true, pacing: AudioPacing = .clock
    ) throws -> (
        LiveEngine<MemoryDuplex>, Collected
    ) {
        let configuration = try CallSimulationTests.menu(root: CallSimulationTests.promptRoot())
        let library = try MenuPrompts.load(configuration)
        var options = LiveEngine<MemoryDuplex>.Options(
            lineIDs: (0..<device.channels).map { "fxo\($0)" }, menuPath: "/tmp/none.yaml")
        options.answerAll = answerAll
        options.durationSeconds = duration
        options.pacing = pacing
        options.transferResult = .ok
        let lines = Collected()
        let engine = LiveEngine(device: device, configuration: configuration, library: library, options: options) {
            line in lines.append(line)
        }
        return (engine, lines)
    }

    static func events(_ lines: Collected) throws -> [[String: Any]] {
        try lines.all.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test func eachLineIsItsOwnCall() throws {
        let device = MemoryDuplex(input: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []])
        let (engine, lines) = try Self.engine(device, duration: 3.6)
        #expect(engine.run(signals: { nil }) == .finished)
        let events = try Self.events(lines)
        func of(_ line: String) -> [[String: Any]] { events.filter { $0["line"] as? String == line } }
        let first = of("fxo0"), second = of("fxo1")
        #expect(first.contains { $0["event"] as? String == "dtmf" && $0["digit"] as? String == "9" })
        #expect(first.contains { $0["event"] as? String == "prompt_end" && $0["reason"] as? String == "barge_in" })
        #expect(first.contains { $0["event"] as? String == "transfer" && $0["to"] as? String == "queue:x" })
        #expect(!second.contains { $0["event"] as? String == "dtmf" })
        #expect(second.contains { $0["event"] as? String == "noinput" })
        // After the transfer the line answers again (--answer-all): a second call on fxo0.
        let calls = Set(first.compactMap { $0["call_id"] as? String })
        #expect(calls.count >= 2, "\(calls)")
        // Every call still up at the end of the run is ended.
        let starts = events.filter { $0["event"] as? String == "call_start" }.count
        let ends = events.filter { $0["event"] as? String == "call_end" }.count
        #expect(starts == ends)
        // The playback: line 0 heard the greeting until the key, line 1 heard it whole.
        func rms(_ samples: [Int16], _ from: Int, _ to: Int) -> Double {
            let slice = samples[(from * 8)..<min(to * 8, samples.count)]
            return (slice.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(slice.count, 1))).squareRoot()
        }
        /// The amplitude of the `frequency` component (Goertzel) over a stretch, ms.
        func tone(_ samples: [Int16], _ frequency: Double, _ from: Int, _ to: Int) -> Double {
            let omega = 2 * Double.pi * frequency / 8000
            var re = 0.0, im = 0.0
            for n in (from * 8)..<(to * 8) {
                re += Double(samples[n]) * cos(omega * Double(n))
                im -= Double(samples[n]) * sin(omega * Double(n))
            }
            return 2 * (re * re + im * im).squareRoot() / Double((to - from) * 8)
        }
        let greeting = tone(device.output[0], 440, 100, 550)
        #expect(greeting > 500)
        // After the key: the announcement (600 Hz), no more greeting (440 Hz).
        #expect(tone(device.output[0], 600, 750, 1050) > 500)
        #expect(tone(device.output[0], 440, 750, 1050) < greeting / 100)
        #expect(tone(device.output[1], 440, 100, 950) > 500)
    }

    /// In lockstep the decisions are exactly on time whatever the speed: the greeting (1 s) ends at
    /// 1000 ms, no input comes 2000 ms later, and a barge-in stops the greeting within a period and the
    /// mixer's fade.
    @Test func lockstepRunsAsFastAsItCanWithEveryDecisionOnTime() throws {
        let device = MemoryDuplex(input: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []])
        let (engine, lines) = try Self.engine(device, duration: 4, pacing: .lockstep)
        let start = Date()
        #expect(engine.run(signals: { nil }) == .finished)
        #expect(Date().timeIntervalSince(start) < 3)
        let events = try Self.events(lines)
        func first(_ line: String, _ event: String) -> Int? {
            events.first { $0["line"] as? String == line && $0["event"] as? String == event }?["t_ms"] as? Int
        }
        #expect(first("fxo1", "prompt_end") == 1000)
        #expect(first("fxo1", "noinput") == 3000)
        let key = try #require(first("fxo0", "dtmf"))
        let stopped = try #require(first("fxo0", "prompt_end"))
        #expect(stopped >= key + 3 && stopped <= key + 5, "key \(key) stopped \(stopped)")
        // The same run again gives the same events (times of day aside).
        let device2 = MemoryDuplex(input: device.input)
        let (engine2, lines2) = try Self.engine(device2, duration: 4, pacing: .lockstep)
        _ = engine2.run(signals: { nil })
        func strip(_ all: [[String: Any]]) -> [String] {
            all.map { "\($0["line"] ?? "")|\($0["event"] ?? "")|\($0["t_ms"] ?? "")|\($0["prompt"] ?? "")" }
        }
        let second = try strip(Self.events(lines2)), firstRun = strip(events)
        let sameEvents = second == firstRun
        let sameAudio = device2.output == device.output
        #expect(sameEvents)
        #expect(sameAudio)
    }

    /// A device that rounds the period (128 or 441 frames instead of 160): the receiver and the mixer take
    /// blocks of any size, so the decisions come at the same samples.
    @Test(arguments: [128, 441])
    func periodsOfAnyLengthGiveTheSameDecisions(period: Int) throws {
        func run(_ period: Int) throws -> [String] {
            let device = MemoryDuplex(
                input: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []], periodFrames: period)
            let (engine, lines) = try Self.engine(device, duration: 4, pacing: .lockstep)
            _ = engine.run(signals: { nil })
            return try Self.events(lines).filter { ["dtmf", "noinput", "route"].contains($0["event"] as? String) }
                .map { "\($0["line"] ?? "")|\($0["event"] ?? "")|\($0["t_ms"] ?? "")" }
        }
        let reference = try run(160)
        #expect(reference.count == 3, "\(reference)")
        #expect(try run(period) == reference)
    }

    @Test func aLostDeviceEndsEveryCallAndReportsTheError() throws {
        let device = MemoryDuplex(input: [[], []])
        device.failAtFrame = 8000
        let (engine, lines) = try Self.engine(device, duration: 5)
        guard case .deviceFailed(let error) = engine.run(signals: { nil }) else {
            Issue.record("the run did not report the failure")
            return
        }
        #expect(error.function == "snd_pcm_readi")
        let events = try Self.events(lines)
        let ends = events.filter { $0["event"] as? String == "call_end" }
        #expect(ends.count == 2)
        #expect(events.contains { $0["event"] as? String == "hangup" && $0["cause"] as? String == "device_lost" })
    }

    @Test func aSignalEndsTheCallsCleanly() throws {
        let device = MemoryDuplex(input: [[]])
        let (engine, lines) = try Self.engine(device, duration: 30)
        let start = Date()
        let outcome = engine.run(signals: { Date().timeIntervalSince(start) > 0.5 ? SIGTERM : nil })
        #expect(outcome == .signalled(SIGTERM))
        #expect(Date().timeIntervalSince(start) < 5)
        let events = try Self.events(lines)
        #expect(events.contains { $0["event"] as? String == "hangup" && $0["cause"] as? String == "shutdown" })
        #expect(events.last?["event"] as? String == "call_end")
    }

    @Test func theControlChannelStartsAndEndsCalls() throws {
        let device = MemoryDuplex(input: [[], []])
        let (engine, lines) = try Self.engine(device, duration: 1.5, answerAll: false)
        engine.submit(#"{"event":"call_started","line":"fxo1","caller":"+79001234567","did":"505"}"#)
        engine.submit(#"{"event":"bogus"}"#)
        _ = engine.run(signals: { nil })
        let events = try Self.events(lines)
        let start = try #require(events.first { $0["event"] as? String == "call_start" })
        #expect(start["line"] as? String == "fxo1")
        #expect(start["caller"] as? String == "+79001234567")
        #expect(events.contains { $0["event"] as? String == "control_error" })
        #expect(!events.contains { $0["line"] as? String == "fxo0" })
    }
}
