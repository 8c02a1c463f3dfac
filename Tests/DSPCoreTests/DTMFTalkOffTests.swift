import DSPCore
import MediaTestSupport
import Testing

/// The receiver against real speech and music: no digit may come out of Debian's Asterisk prompts and
/// music on hold, and a digit pressed over a prompt (barge-in) must be heard.
@Suite("DTMF receiver, speech and music")
struct DTMFTalkOffTests {
    @Test(
        "talk-off: zero false digits over every Asterisk prompt (en, ru) and all music on hold",
        arguments: Path.allCases)
    func talkOff(path: Path) throws {
        let files = Corpus.talkOffFiles()
        try #require(files.count > 1000, "the corpus is not installed (make test installs it)")
        var seconds = 0.0
        var falseDigits: [String] = []
        for file in files {
            let samples = try Corpus.read(file)
            seconds += Double(samples.count) / 8000
            let received =
                path.law.map { law in samples.map { G711.decode(G711.encode($0, law: law), law: law) } }
                ?? samples
            for event in receive(received) where event.kind == .keyDown {
                falseDigits.append("\(file) at \(Double(event.onsetSample) / 8000) s: \(event.digit)")
            }
        }
        #expect(seconds > 3600, "corpus of \(seconds) s")
        #expect(falseDigits == [])
    }

    @Test("a digit 5 dB above speech is heard, every time", arguments: Path.allCases)
    func aboveSpeech(path: Path) throws {
        let outcome = try speechOutcome(aboveSpeechDB: 5, path: path)
        #expect(outcome.missed == [] && outcome.wrong == [])
    }

    @Test(
        "a digit at the level of speech: heard at least 60 times in 64, a wrong digit at most once",
        arguments: Path.allCases)
    func atSpeechLevel(path: Path) throws {
        let outcome = try speechOutcome(aboveSpeechDB: 0, path: path)
        for failure in outcome.missed + outcome.wrong { print("at speech level (\(path)): \(failure)") }
        #expect(outcome.missed.count + outcome.wrong.count <= 4)
        #expect(outcome.wrong.count <= 1)
    }

    /// The cases heard as nothing, and those heard as another digit.
    private func speechOutcome(aboveSpeechDB: Double, path: Path) throws -> (missed: [String], wrong: [String]) {
        let utterances = try Corpus.englishUtterances()
        try #require(utterances.count > 100, "the English prompts are not installed")
        var missed: [String] = [], wrong: [String] = []
        for c in Q24Battery.speechCases(utterances: utterances, aboveSpeechDB: aboveSpeechDB, law: path.law) {
            let heard = digits(receive(c.samples))
            if heard == c.expected { continue }
            let line = "\(c.label): heard \(heard.map(\.description).joined())"
            if heard.isEmpty { missed.append(line) } else { wrong.append(line) }
        }
        return (missed, wrong)
    }
}
