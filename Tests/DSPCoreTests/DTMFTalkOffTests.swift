import DSPCore
import MediaTestSupport
import Testing

/// The receiver against real speech and music: no digit may come out of Debian's Asterisk prompts and
/// music on hold, and a digit pressed over a prompt (barge-in) must be heard.
@Suite("DTMF receiver, speech and music")
struct DTMFTalkOffTests {
    @Test("talk-off: zero false digits over every Asterisk prompt (en, ru) and all music on hold",
          arguments: Path.allCases)
    func talkOff(path: Path) throws {
        let files = Corpus.talkOffFiles()
        try #require(files.count > 1000, "the corpus is not installed (make test installs it)")
        var seconds = 0.0
        var falseDigits: [String] = []
        for file in files {
            let samples = try Corpus.read(file)
            seconds += Double(samples.count) / 8000
            let received = path.law.map { law in samples.map { G711.decode(G711.encode($0, law: law), law: law) } }
                ?? samples
            for event in receive(received) where event.kind == .keyDown {
                falseDigits.append("\(file) at \(Double(event.onsetSample) / 8000) s: \(event.digit)")
            }
        }
        #expect(seconds > 3600, "corpus of \(seconds) s")
        #expect(falseDigits == [])
    }

    @Test("a digit 5 dB above speech is heard", arguments: Path.allCases)
    func aboveSpeech(path: Path) throws {
        let failed = try speechFailures(aboveSpeechDB: 5, path: path)
        #expect(failed == [])
    }

    @Test("a digit at the level of speech is heard (at least 60 of 64; multimon-ng: 57, SpanDSP: 36)",
          arguments: Path.allCases)
    func atSpeechLevel(path: Path) throws {
        let failed = try speechFailures(aboveSpeechDB: 0, path: path)
        for failure in failed { print("missed at speech level (\(path)): \(failure)") }
        #expect(failed.count <= 4, "\(failed.joined(separator: "; "))")
    }

    private func speechFailures(aboveSpeechDB: Double, path: Path) throws -> [String] {
        let utterances = try Corpus.englishUtterances()
        try #require(utterances.count > 100, "the English prompts are not installed")
        return Q24Battery.speechCases(utterances: utterances, aboveSpeechDB: aboveSpeechDB, law: path.law)
            .compactMap { c in
                let heard = digits(receive(c.samples))
                return heard == c.expected ? nil : "\(c.label): heard \(heard.map(\.description).joined())"
            }
    }
}
