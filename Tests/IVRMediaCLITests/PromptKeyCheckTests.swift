import DSPCore
import Foundation
import MediaCodecs
import MediaTestSupport
import Testing

/// `ivrmedia check` warns when the DTMF receiver hears a prompt as a key, natively or as the prompt's
/// loud telephone-band copy (what comes back from an echoing line at its worst).
@Suite("check: prompts heard as keys")
struct PromptKeyCheckTests {
    static let repository = MenuCommandTests.repository
    /// Real speech for the prompts made here: an English prompt of the project (espeak-ng), decoded at
    /// 8 kHz as the prompt library decodes it.
    static let speechPath = repository.appendingPathComponent("Prompts/en/op_menu_short.opus").path

    /// A menu in English over `prompts/` beside it. `long` names `plain` and then `id`, at line 15
    /// (`plain` at column 14, `id` at column 21); `short` names `id` again at line 16.
    static func menu(naming id: String) -> String {
        """
        version: 1
        languages:
          default: en
          supported: [en]
        prompts:
          root: prompts
          formats: [wav]
        lines:
          - match: { any: true }
            entry: main
        nodes:
          main:
            type: menu
            prompts:
              long: [plain, \(id)]
              short: [\(id)]
            max_digits: 1
            routes:
              - digits: "1"
                do: { hangup: {} }

        """
    }

    /// The speech prompt as samples in double precision, scaled so that its peak is `peak`.
    static func speech(peak: Double) throws -> [Double] {
        let samples = try AudioFile.read(path: speechPath).channels[0].map(Double.init)
        let top = samples.reduce(0) { max($0, abs($1)) }
        return samples.map { $0 * peak / top }
    }

    /// Writes `samples` as `prompts/en/<id>.wav` under `directory` with the project's writer.
    static func writePrompt(_ id: String, _ samples: [Int16], in directory: URL) throws {
        let folder = directory.appendingPathComponent("prompts/en")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AudioFile.write(
            DecodedAudio(sampleRate: 8000, channels: [samples]), to: folder.appendingPathComponent("\(id).wav").path)
    }

    /// A temporary folder with `menu.yaml` naming `plain` (the speech as it is) and `id` (`samples`).
    static func folder(withPrompt id: String, _ samples: [Int16]) throws -> URL {
        let directory = try CLIRunner.temporaryDirectory()
        try writePrompt("plain", try speech(peak: 12000).map(Saturate.int16), in: directory)
        try writePrompt(id, samples, in: directory)
        try menu(naming: id).write(to: directory.appendingPathComponent("menu.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    static func keyWarnings(_ result: CLIRunner.Result) -> [String] {
        result.lines.filter { $0.contains(" is heard as key ") }
    }

    @Test("a key-9 pair mixed into speech is a warning at the first place the prompt is named")
    func pairInSpeech() throws {
        // The speech, and 100 ms of key 9 at -10 dBm0 per tone from 0.85 s, inside the speech.
        var signal = TestSignal()
        signal.mix(try Self.speech(peak: 12000))
        DTMFGenerator(levelDBm0: -10, onMilliseconds: 100).addTone(.nine, to: &signal.samples, at: 6800)
        let directory = try Self.folder(withPrompt: "press_nine", signal.int16)
        let result = try CLIRunner.run(["check", "--menu", "menu.yaml"], in: directory)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(
            Self.keyWarnings(result) == [
                "menu.yaml:15:21: warning: prompt `press_nine` (en) is heard as key '9' at 0.85 s (native copy): "
                    + "a caller on an echoing line could be routed by it"
            ], "\(result.standardOutput)")
        #expect(result.lines.last == "menu.yaml: 0 errors, 1 warning, 0/0 tests passed", "\(result.standardOutput)")
    }

    @Test("a pair too faint for the receiver is found in the loud telephone-band copy")
    func faintPairInTheTelephoneBandCopy() throws {
        // The speech at a modest peak, then silence and key 5 at -40 dBm0 per tone (below the receiver's
        // -36) at 6.50 s, after the speech (5.7 s): the hot copy raises the whole prompt by some 18 dB, and
        // the pair with it.
        var signal = TestSignal()
        signal.mix(try Self.speech(peak: 8000))
        let onset = 52_000
        signal.appendSilence(milliseconds: Double(max(0, onset - signal.count)) / 8)
        #expect(signal.count == onset)
        DTMFGenerator(levelDBm0: -40, onMilliseconds: 120).addTone(.five, to: &signal.samples, at: onset)
        signal.appendSilence(milliseconds: 200)
        let directory = try Self.folder(withPrompt: "faint_five", signal.int16)
        let result = try CLIRunner.run(["check", "--menu", "menu.yaml"], in: directory)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(
            Self.keyWarnings(result) == [
                "menu.yaml:15:21: warning: prompt `faint_five` (en) is heard as key '5' at 6.50 s "
                    + "(loud telephone-band copy): a caller on an echoing line could be routed by it"
            ], "\(result.standardOutput)")
    }

    @Test("prompts that hold no pair (speech, silence) give no such warning")
    func noPairNoWarning() throws {
        var signal = TestSignal()
        signal.appendSilence(milliseconds: 500)
        signal.mix(try Self.speech(peak: 20000), at: signal.count)
        signal.appendSilence(milliseconds: 500)
        let directory = try Self.folder(withPrompt: "speech_only", signal.int16)
        let result = try CLIRunner.run(["check", "--menu", "menu.yaml"], in: directory)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(Self.keyWarnings(result).isEmpty, "\(result.standardOutput)")
        #expect(result.lines.last == "menu.yaml: 0 errors, 0 warnings, 0/0 tests passed", "\(result.standardOutput)")
    }

    @Test(
        "the example menus' prompts (the real Prompts/) are not heard as keys",
        arguments: [MenuCommandTests.hotline, MenuCommandTests.callCentre])
    func examplePromptsAreNotKeys(menu: String) throws {
        let result = try CLIRunner.run(["check", "--menu", menu], in: Self.repository)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(Self.keyWarnings(result).isEmpty, "\(result.standardOutput)")
    }
}
