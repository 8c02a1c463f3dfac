import AudioIO
import DSPCore
import Foundation
import IVRConfiguration
import MediaCodecs
import MediaTestSupport
import PromptMixer
import Synchronization
import Testing

@testable import MediaPipeline

/// The engine's unit tests run on AudioIO's in-memory device (the ALSA paths are tested through
/// alsa-lib in AudioIOTests and the CLI tests): capture from one array per line, playback read back per
/// line without the two periods of silence the device primes with.
extension FakeDuplexDevice {
    convenience init(lines: [[Int16]], periodFrames: Int = 160) {
        let length = lines.map(\.count).max() ?? 0
        var interleaved = [Int16](repeating: 0, count: length * lines.count)
        for (line, samples) in lines.enumerated() {
            for (frame, sample) in samples.enumerated() { interleaved[frame * lines.count + line] = sample }
        }
        self.init(channels: lines.count, periodFrames: periodFrames, capture: interleaved)
    }

    /// What `line` played, from its first written sample (after the priming silence).
    func played(_ line: Int) -> [Int16] {
        let primed = 2 * periodFrames
        return stride(from: primed * channels + line, to: written.count, by: channels).map { written[$0] }
    }
}

/// Lines written from the control thread, read by the test.
final class Collected: Sendable {
    let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite(.serialized) struct LiveEngineTests {
    static func engine(
        _ device: FakeDuplexDevice, duration: Double, answerAll: Bool = true, pacing: AudioPacing = .clock
    ) throws -> (
        LiveEngine<FakeDuplexDevice>, Collected
    ) {
        let configuration = try CallSimulationTests.menu(root: CallSimulationTests.promptRoot())
        let library = try MenuPrompts.load(configuration)
        var options = LiveEngine<FakeDuplexDevice>.Options(
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
        let device = FakeDuplexDevice(lines: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []])
        let (engine, lines) = try Self.engine(device, duration: 3.6, pacing: .lockstep)
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
        let greeting = tone(device.played(0), 440, 100, 550)
        #expect(greeting > 500)
        // After the key: the announcement (600 Hz), no more greeting (440 Hz).
        #expect(tone(device.played(0), 600, 750, 1050) > 500)
        #expect(tone(device.played(0), 440, 750, 1050) < greeting / 100)
        #expect(tone(device.played(1), 440, 100, 950) > 500)
    }

    /// In lockstep the decisions are exactly on time whatever the speed: the greeting (1 s) ends at
    /// 1000 ms, no input comes 2000 ms later, and a barge-in stops the greeting within a period and the
    /// mixer's fade.
    @Test func lockstepRunsAsFastAsItCanWithEveryDecisionOnTime() throws {
        let device = FakeDuplexDevice(lines: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []])
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
        let device2 = FakeDuplexDevice(lines: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []])
        let (engine2, lines2) = try Self.engine(device2, duration: 4, pacing: .lockstep)
        _ = engine2.run(signals: { nil })
        func strip(_ all: [[String: Any]]) -> [String] {
            all.map { "\($0["line"] ?? "")|\($0["event"] ?? "")|\($0["t_ms"] ?? "")|\($0["prompt"] ?? "")" }
        }
        let second = try strip(Self.events(lines2)), firstRun = strip(events)
        let sameEvents = second == firstRun
        let sameAudio = device2.written == device.written
        #expect(sameEvents)
        #expect(sameAudio)
    }

    /// A device that rounds the period (128 or 441 frames instead of 160): the receiver and the mixer take
    /// blocks of any size, so the decisions come at the same samples.
    @Test(arguments: [128, 441])
    func periodsOfAnyLengthGiveTheSameDecisions(period: Int) throws {
        func run(_ period: Int) throws -> [String] {
            let device = FakeDuplexDevice(
                lines: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 600), []], periodFrames: period)
            let (engine, lines) = try Self.engine(device, duration: 4, pacing: .lockstep)
            _ = engine.run(signals: { nil })
            return try Self.events(lines).filter { ["dtmf", "noinput", "route"].contains($0["event"] as? String) }
                .map { "\($0["line"] ?? "")|\($0["event"] ?? "")|\($0["t_ms"] ?? "")" }
        }
        let reference = try run(160)
        #expect(reference.count == 3, "\(reference)")
        #expect(try run(period) == reference)
    }

    /// An overrun and an underrun on the device are reported as `xrun` events; the calls go on.
    @Test func xrunsAreReportedAndTheCallGoesOn() throws {
        let device = FakeDuplexDevice(lines: [CallSimulationTests.caller(key: .nine, leadMilliseconds: 1500), []])
        device.inject(.overrun(droppedFrames: 0), atFrame: 4000)
        device.inject(.underrun, atFrame: 6400)
        let (engine, lines) = try Self.engine(device, duration: 3, pacing: .lockstep)
        #expect(engine.run(signals: { nil }) == .finished)
        let events = try Self.events(lines)
        #expect(events.filter { $0["event"] as? String == "xrun" }.count == 2)
        #expect(events.contains { $0["event"] as? String == "route" && $0["line"] as? String == "fxo0" })
    }

    @Test func aLostDeviceEndsEveryCallAndReportsTheError() throws {
        let device = FakeDuplexDevice(lines: [[], []])
        device.inject(.deviceLost, atFrame: 8000)
        let (engine, lines) = try Self.engine(device, duration: 5, pacing: .lockstep)
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
        let device = FakeDuplexDevice(lines: [[]])
        let (engine, lines) = try Self.engine(device, duration: 30)
        let start = Date()
        let outcome = engine.run(signals: { Date().timeIntervalSince(start) > 0.5 ? SIGTERM : nil })
        #expect(outcome == .signalled(SIGTERM))
        #expect(Date().timeIntervalSince(start) < 5)
        let events = try Self.events(lines)
        #expect(events.contains { $0["event"] as? String == "hangup" && $0["cause"] as? String == "shutdown" })
        // The calls end before the run does: its last events are the call's end, then the run's.
        #expect(events.suffix(2).map { $0["event"] as? String } == ["call_end", "run_end"])
        #expect(events.last?["cause"] as? String == "shutdown")
    }

    @Test func theControlChannelStartsAndEndsCalls() throws {
        let device = FakeDuplexDevice(lines: [[], []])
        let (engine, lines) = try Self.engine(device, duration: 1.5, answerAll: false, pacing: .lockstep)
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

    /// An engine in lockstep answering every one of `lines` silent lines, on the test menu (`greeting`,
    /// then `bye`) written to a file of its own, so that a test can change the file and reload it.
    static func reloadable(lines count: Int, duration: Double) throws -> (
        engine: LiveEngine<FakeDuplexDevice>, lines: Collected, promptRoot: String, menuPath: URL
    ) {
        let root = try CallSimulationTests.promptRoot()
        let menuPath = FileManager.default.temporaryDirectory.appendingPathComponent("menu-\(UUID().uuidString).yaml")
        try CallSimulationTests.menuText(root: root).write(to: menuPath, atomically: true, encoding: .utf8)
        let (configuration, _) = try MenuConfiguration.load(path: menuPath.path)
        let library = try MenuPrompts.load(configuration)
        let device = FakeDuplexDevice(lines: [[Int16]](repeating: [], count: count))
        var options = LiveEngine<FakeDuplexDevice>.Options(
            lineIDs: (0..<count).map { "fxo\($0)" }, menuPath: menuPath.path)
        options.answerAll = true
        options.durationSeconds = duration
        options.pacing = .lockstep
        let lines = Collected()
        let engine = LiveEngine(device: device, configuration: configuration, library: library, options: options) {
            line in lines.append(line)
        }
        return (engine, lines, root, menuPath)
    }

    @Test func aReloadWithACorruptPromptKeepsTheOldMenu() throws {
        let (engine, lines, root, menuPath) = try Self.reloadable(lines: 1, duration: 1.5)
        let (configuration, library) = (engine.configuration, engine.library)
        // The prompt the menu plays is now a file whose header claims a rate no audio has.
        let bad = root + "/ru/greeting.wav"
        try Data(TestFiles.wav(samples: [Int16](repeating: 0, count: 160), sampleRate: 4_202_304, channelCount: 1))
            .write(to: URL(fileURLWithPath: bad))
        try CallSimulationTests.menuText(root: root, extraPrompt: ", bye").write(
            to: menuPath, atomically: true, encoding: .utf8)
        engine.reload(at: 0)

        let failed = try #require(try Self.events(lines).first { $0["event"] as? String == "config_reload_failed" })
        let problems = failed["problems"] as? [String] ?? []
        #expect(problems.count == 1)
        #expect(problems.first?.contains(bad) == true, "\(problems)")
        #expect(problems.first?.contains("4202304 Hz") == true, "\(problems)")
        #expect(engine.configuration.versionHash == configuration.versionHash)
        #expect(engine.library.identifier == library.identifier)

        // Calls go on with the old menu and its prompts.
        #expect(engine.run(signals: { nil }) == .finished)
        let events = try Self.events(lines)
        #expect(events.contains { $0["event"] as? String == "call_start" })
        let prompt = events.first { $0["event"] as? String == "prompt_start" }
        #expect(prompt?["prompt"] as? String == "greeting")
        #expect(!events.contains { $0["event"] as? String == "config_reloaded" })
    }

    /// A reload while 30 lines are in calls (the audio thread running, every line's mixer playing): each
    /// running call finishes on the menu it started with, and every call after the reload gets the new
    /// one, with a mixer of the new prompt library handed to its line. `make test-tsan` runs this under
    /// the thread sanitizer.
    ///
    /// The old menu plays [greeting] as its long prompt, the new one [greeting, bye]; a silent caller
    /// hears it, waits 2 s for a key and hears `bye` as the menu hangs up, so the prompts of each call say
    /// which menu it had: [greeting, bye] on the old one, [greeting, bye, bye] on the new.
    @Test func aReloadWhileThirtyLinesAreInCallsKeepsEachCallOnItsMenu() throws {
        let (engine, lines, root, menuPath) = try Self.reloadable(lines: 30, duration: 20)
        try CallSimulationTests.menuText(root: root, extraPrompt: ", bye").write(
            to: menuPath, atomically: true, encoding: .utf8)
        // SIGHUP 2 s into the calls: every line is in its first call, waiting for a key after the greeting.
        var reloaded = false
        let outcome = engine.run(signals: {
            guard !reloaded, engine.loop.clock.load(ordering: .acquiring) >= 2 * 8000 else { return nil }
            reloaded = true
            return SIGHUP
        })
        #expect(outcome == .finished)

        let events = try Self.events(lines)
        func named(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }
        try #require(named("config_reloaded").count == 1)
        let reloadIndex = try #require(events.firstIndex { $0["event"] as? String == "config_reloaded" })
        let before = Set(events[..<reloadIndex].filter { $0["event"] as? String == "call_start" }.compactMap { $0["call_id"] as? String })
        let after = Set(events[reloadIndex...].filter { $0["event"] as? String == "call_start" }.compactMap { $0["call_id"] as? String })
        #expect(before.count == 30)
        #expect(after.count >= 30, "every line starts a call after the reload")
        var prompts: [String: [String]] = [:]
        for event in named("prompt_start") {
            if let id = event["call_id"] as? String, let prompt = event["prompt"] as? String { prompts[id, default: []].append(prompt) }
        }
        let ended = Set(named("call_end").compactMap { $0["call_id"] as? String })
        for id in before {
            #expect(prompts[id] == ["greeting", "bye"], "\(id) started before the reload: \(prompts[id] ?? [])")
            #expect(ended.contains(id))
        }
        let newMenu = ["greeting", "bye", "bye"]
        for id in after {
            let heard = prompts[id] ?? []
            // The run's end cuts the last call of each line short: that one need only have begun the same way.
            let cut = named("hangup").contains { $0["call_id"] as? String == id && $0["cause"] as? String == "end_of_run" }
            #expect(cut ? Array(newMenu.prefix(heard.count)) == heard : heard == newMenu, "\(id) after the reload: \(heard)")
        }
        #expect(!events.contains { $0["event"] as? String == "prompt_missing" })
    }
}
