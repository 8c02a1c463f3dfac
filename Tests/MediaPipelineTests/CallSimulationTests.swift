import DSPCore
import Foundation
import IVRConfiguration
import MediaCodecs
import PromptMixer
import Testing

@testable import MediaPipeline

/// A call through the real receiver, router and mixer on the virtual clock.
@Suite struct CallSimulationTests {
    /// A prompt library in a temporary directory: `ru/greeting.wav` (1 s, 440 Hz) and `ru/bye.wav`
    /// (0.5 s, 600 Hz), both at -15 dBm0.
    static func promptRoot() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("ru"), withIntermediateDirectories: true)
        for (name, frequency, seconds) in [("greeting", 440.0, 1.0), ("bye", 600.0, 0.5)] {
            var oscillator = SineOscillator(
                frequency: frequency, sampleRate: 8000, amplitude: Level.sineAmplitude(dBm0: -15))
            let samples = (0..<Int(seconds * 8000)).map { _ in Saturate.int16(oscillator.next()) }
            try AudioFile.write(
                DecodedAudio(sampleRate: 8000, channels: [samples]),
                to: root.appendingPathComponent("ru/\(name).wav").path, format: .wav)
        }
        return root.path
    }

    static func menu(root: String, extraPrompt: String = "") throws -> MenuConfiguration {
        try MenuConfiguration.parse(menuText(root: root, extraPrompt: extraPrompt), path: "/tmp/test.yaml").0
    }

    /// The menu file's text: one menu node playing `greeting`, `9` transfers, silence hangs up.
    static func menuText(root: String, extraPrompt: String = "") -> String {
        """
            version: 1
            prompts: { root: \(root) }
            lines: [ { match: { any: true }, entry: main } ]
            logging: { ticket: { format: "{date:yyyyMMdd}-{seq:4}", timezone: Europe/Moscow } }
            nodes:
              main:
                type: menu
                prompts: { long: [greeting\(extraPrompt)] }
                timers: { first_digit_ms: 2000 }
                retries: { max_noinput: 1 }
                routes: [ { digits: "9", do: { transfer: { to: "queue:x", mode: bridge, announce: [bye] } } } ]
                on_max_noinput: { hangup: { play: [bye] } }
            """
    }

    struct Run {
        var events: [[String: Any]]
        var lines: [String]
        var heard: [Int16]

        func first(_ event: String) -> [String: Any]? { events.first { $0["event"] as? String == event } }
        func ms(_ event: String) -> Int? { first(event)?["t_ms"] as? Int }
    }

    static func simulate(
        _ configuration: MenuConfiguration, caller: [Int16], echo: CallSimulation.Echo? = nil, echoReference: Bool = true
    ) throws -> Run {
        let library = try MenuPrompts.load(configuration)
        var lines: [String] = []
        var options = CallSimulation.Options(start: Date(timeIntervalSince1970: 1_800_000_000))
        options.echo = echo
        options.echoReference = echoReference
        var simulation = CallSimulation(configuration: configuration, library: library, options: options) {
            lines.append($0)
        }
        let heard = caller.withUnsafeBufferPointer { simulation.run(caller: $0, maximumSeconds: 60) }
        let events = try lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return Run(events: events, lines: lines, heard: heard)
    }

    /// A key pressed `leadMilliseconds` into the call, 70 ms long.
    static func caller(key: DTMFDigit, leadMilliseconds: Int) -> [Int16] {
        let tone = DTMFGenerator(levelDBm0: -10, onMilliseconds: 70, offMilliseconds: 100).render([key])
        return [Int16](repeating: 0, count: leadMilliseconds * 8) + tone
    }

    static func rms(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    @Test func bargeInStopsTheGreetingWithinAFrameAndTransfers() throws {
        let run = try Self.simulate(
            Self.menu(root: Self.promptRoot()), caller: Self.caller(key: .nine, leadMilliseconds: 400))
        let key = try #require(run.ms("dtmf"))
        #expect(key >= 400 + 22 && key <= 400 + 45, "key reported at \(key) ms")
        let end = try #require(run.first("prompt_end"))
        #expect(end["reason"] as? String == "barge_in")
        let stopped = try #require(end["t_ms"] as? Int)
        // Stopped in the frame after the key's report, with the 4 ms fade.
        #expect(stopped >= key + 3 && stopped <= key + 5, "stopped at \(stopped), key at \(key)")
        // What the caller heard: the greeting until then, silence after (until `bye` starts).
        let stopSample = stopped * 8
        #expect(Self.rms(run.heard[(stopSample - 800)..<(stopSample - 80)]) > 500)
        let byeStart = try #require(
            run.events.first { $0["event"] as? String == "prompt_start" && $0["prompt"] as? String == "bye" }?["t_ms"]
                as? Int)
        #expect(Self.rms(run.heard[(stopSample + 8)..<(byeStart * 8)]) == 0)
        let transfer = try #require(run.first("transfer"))
        #expect(transfer["to"] as? String == "queue:x")
        #expect(run.first("transfer_result")?["result"] as? String == "ok")
        #expect(run.events.last?["event"] as? String == "call_end")
        // Every line carries the call's fields; the ticket follows its format.
        for event in run.events {
            #expect(event["call_id"] as? String == "sim-1")
            #expect((event["ticket"] as? String)?.hasSuffix("-0001") == true)
            #expect((event["ts"] as? String)?.hasSuffix("Z") == true)
        }
    }

    @Test func silenceHangsUpExactlyTheFirstDigitTimeAfterTheGreetingEnds() throws {
        let run = try Self.simulate(Self.menu(root: Self.promptRoot()), caller: [])
        let end = try #require(run.first("prompt_end"))
        #expect(end["reason"] as? String == "finished")
        #expect(end["t_ms"] as? Int == 1000)  // the greeting's length, to the sample
        #expect(run.ms("noinput") == 1000 + 2000)
        #expect(run.first("hangup") != nil)
        #expect(run.events.contains { $0["event"] as? String == "prompt_start" && $0["prompt"] as? String == "bye" })
        // The call ends when `bye` has played: 3000 + 500 ms (+ up to a frame to start it).
        let callEnd = try #require(run.ms("call_end"))
        #expect(callEnd >= 3500 && callEnd <= 3520)
        #expect(run.heard.count >= 3500 * 8)
    }

    @Test func aMissingPromptIsLoggedAndSkippedAndTheCallGoesOn() throws {
        let run = try Self.simulate(
            Self.menu(root: Self.promptRoot(), extraPrompt: ", not_recorded"),
            caller: Self.caller(key: .nine, leadMilliseconds: 1500))
        let missing = try #require(run.first("prompt_missing"))
        #expect(missing["prompt"] as? String == "not_recorded")
        #expect(run.first("transfer")?["to"] as? String == "queue:x")
    }

    @Test func theSameInputsGiveTheSameOutputByteForByte() throws {
        let configuration = try Self.menu(root: Self.promptRoot())
        let caller = Self.caller(key: .nine, leadMilliseconds: 700)
        let first = try Self.simulate(configuration, caller: caller)
        let second = try Self.simulate(configuration, caller: caller)
        #expect(first.lines == second.lines)
        #expect(first.heard == second.heard)
    }

    /// A prompt root whose greeting plays the pair of '9' (an announcement that sounds the key to press):
    /// 0.3 s of 440 Hz, then the pair for 0.2 s at -6 dBm0 per tone, then 0.5 s of 440 Hz.
    static func tonePromptRoot() throws -> String {
        let root = try promptRoot()
        var signal: [Double] = []
        var a = SineOscillator(frequency: 440, sampleRate: 8000, amplitude: Level.sineAmplitude(dBm0: -15))
        for _ in 0..<2400 { signal.append(a.next()) }
        DTMFGenerator(levelDBm0: -6, onMilliseconds: 200).addTone(.nine, to: &signal, at: signal.count)
        for _ in 0..<4000 { signal.append(a.next()) }
        try AudioFile.write(
            DecodedAudio(sampleRate: 8000, channels: [signal.map(Saturate.int16)]),
            to: root + "/ru/greeting.wav", format: .wav)
        return root
    }

    @Test(arguments: [(0.0, 6.0), (20, 6), (44, 10)])
    func theEchoOfAPromptThatPlaysAKeyIsNoKey(delayMilliseconds: Double, lossDB: Double) throws {
        let configuration = try Self.menu(root: Self.tonePromptRoot())
        let echo = CallSimulation.Echo(delayMilliseconds: delayMilliseconds, lossDB: lossDB)
        // The caller says nothing: all the line hears is the echo of its greeting.
        let run = try Self.simulate(configuration, caller: [], echo: echo)
        #expect(run.first("dtmf") == nil, "\(run.first("dtmf") ?? [:])")
        #expect(run.first("transfer") == nil)
        #expect(run.first("hangup") != nil)
        // The receiver without the line's playback as its reference hears the echo as the key.
        let deaf = try Self.simulate(configuration, caller: [], echo: echo, echoReference: false)
        #expect(deaf.first("dtmf")?["digit"] as? String == "9")
    }

    @Test func aKeyPressedOverTheEchoIsHeard() throws {
        let configuration = try Self.menu(root: Self.tonePromptRoot())
        let echo = CallSimulation.Echo(delayMilliseconds: 20, lossDB: 6)
        let caller = Self.caller(key: .nine, leadMilliseconds: 800)
        let run = try Self.simulate(configuration, caller: caller, echo: echo)
        let key = try #require(run.ms("dtmf"))
        #expect(key >= 800 + 22 && key <= 800 + 45, "key reported at \(key) ms")
        #expect(run.first("transfer")?["to"] as? String == "queue:x")
    }
}
