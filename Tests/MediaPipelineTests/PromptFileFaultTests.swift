import AudioIO
import Foundation
import IVRConfiguration
import MediaCodecs
import PromptMixer
import Testing

@testable import MediaPipeline

/// Prompt files changed under a running engine: the library holds the audio it decoded at load, so calls
/// play what was loaded; a reload that would lose a prompt is refused and the running menu kept.
@Suite(.serialized) struct PromptFileFaultTests {
    /// An engine on one line answering at once, over the test menu in a fresh prompt root.
    static func engine(seconds: Double) throws -> (
        engine: LiveEngine<FakeDuplexDevice>, device: FakeDuplexDevice, lines: Collected, root: String, menu: String
    ) {
        let root = try CallSimulationTests.promptRoot()
        let menu = FileManager.default.temporaryDirectory.appendingPathComponent("menu-\(UUID().uuidString).yaml").path
        try CallSimulationTests.menuText(root: root).write(toFile: menu, atomically: true, encoding: .utf8)
        let (configuration, _) = try MenuConfiguration.load(path: menu)
        let library = try MenuPrompts.load(configuration)
        let device = FakeDuplexDevice(lines: [[]])
        var options = LiveEngine<FakeDuplexDevice>.Options(lineIDs: ["fxo0"], menuPath: menu)
        options.answerAll = true
        options.durationSeconds = seconds
        options.pacing = .lockstep
        let lines = Collected()
        let engine = LiveEngine(device: device, configuration: configuration, library: library, options: options) {
            lines.append($0)
        }
        return (engine, device, lines, root, menu)
    }

    /// The greeting as the line played it: its first 0.8 s (the prompt is 1 s of -15 dBm0 tone).
    static func greetingLevel(_ device: FakeDuplexDevice) -> Double {
        CallSimulationTests.rms(device.played(0).prefix(6400))
    }

    @Test func aPromptFileDeletedAfterLoadStillPlays() throws {
        let (engine, device, lines, root, _) = try Self.engine(seconds: 1.5)
        try FileManager.default.removeItem(atPath: root + "/ru/greeting.wav")
        #expect(engine.run(signals: { nil }) == .finished)
        let events = try LiveEngineTests.events(lines)
        #expect(events.first { $0["event"] as? String == "prompt_start" }?["prompt"] as? String == "greeting")
        #expect(!events.contains { $0["event"] as? String == "prompt_missing" })
        #expect(Self.greetingLevel(device) > 500)
    }

    @Test func aPromptFileReplacedAfterLoadPlaysWhatWasLoaded() throws {
        let (engine, device, lines, root, menu) = try Self.engine(seconds: 1.5)
        // The same name, now silence: a library that read files at play time would play nothing.
        try AudioFile.write(
            DecodedAudio(sampleRate: 8000, channels: [[Int16](repeating: 0, count: 8000)]),
            to: root + "/ru/greeting.wav", format: .wav)
        let reloaded = try MenuPrompts.load(MenuConfiguration.load(path: menu).0)
        let handle = try #require(reloaded.lookup("greeting", language: "ru"))
        #expect(reloaded.samples(of: handle)?.allSatisfy { $0 == 0 } == true, "the file on disk is silent now")
        #expect(engine.run(signals: { nil }) == .finished)
        #expect(try LiveEngineTests.events(lines).contains { $0["prompt"] as? String == "greeting" })
        #expect(Self.greetingLevel(device) > 500)
    }

    @Test func aReloadWithAMissingPromptIsRefusedAndTheOldMenuServes() throws {
        let (engine, device, lines, root, menu) = try Self.engine(seconds: 1.5)
        let configuration = engine.configuration
        try FileManager.default.removeItem(atPath: root + "/ru/bye.wav")
        try CallSimulationTests.menuText(root: root, extraPrompt: ", bye").write(
            toFile: menu, atomically: true, encoding: .utf8)
        engine.reload(at: 0)

        let failed = try #require(
            try LiveEngineTests.events(lines).first { $0["event"] as? String == "config_reload_failed" })
        let problems = failed["problems"] as? [String] ?? []
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { $0.contains("prompt `bye` has no file under \(root)") }, "\(problems)")
        #expect(engine.configuration.versionHash == configuration.versionHash)

        // New calls go on with the old menu and the prompts it loaded.
        #expect(engine.run(signals: { nil }) == .finished)
        let events = try LiveEngineTests.events(lines)
        #expect(events.contains { $0["event"] as? String == "call_start" })
        #expect(events.first { $0["event"] as? String == "prompt_start" }?["prompt"] as? String == "greeting")
        #expect(!events.contains { $0["event"] as? String == "config_reloaded" })
        #expect(Self.greetingLevel(device) > 500)
    }
}
