import DSPCore
import Foundation
import MediaTestSupport
import Testing

/// The receiver against music and speech: no key may come out of the part of the talk-off corpus that
/// `make test` builds (`make talkoff-subset`: a fixed list of files of the check half, from Debian
/// packages the Makefile installs), and a key pressed over speech must be heard.
@Suite("DTMF receiver, speech and music")
struct DTMFTalkOffTests {
    /// The package's root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The goal is none; the floor is SpanDSP's rate on the same audio (0.37 per hour on the whole check
    /// half, 0.5 per hour on audio the project has never seen): at most one false key in these two hours.
    @Test("talk-off: at most one false key in the check half's fixed subset of music and speech (2 h)")
    func talkOff() throws {
        let corpus = try TalkOffCorpus(directory: Self.root + "/" + TalkOffCorpus.subsetDirectory)
        let seconds = corpus.entries.reduce(0) { $0 + $1.seconds }
        #expect(seconds > 1.5 * 3600, "the subset holds \(seconds) s")
        for copy in TalkOffCorpus.Copy.allCases {
            for kind in TalkOffCorpus.Kind.allCases {
                #expect(corpus.entries.contains { $0.copy == copy && $0.kind == kind }, "no \(copy) \(kind) file")
            }
        }
        #expect(corpus.entries.allSatisfy { $0.half == .check }, "the subset is of the check half")
        var falseKeys: [String] = []
        for entry in corpus.entries {
            for event in receive(try TalkOffCorpus.samples(entry)) where event.kind == .keyDown {
                falseKeys.append(
                    "\(entry.path) at \(Double(event.onsetSample) / 8000) s: '\(event.digit)' (\(event.evidence))")
            }
        }
        for key in falseKeys { print("talk-off: \(key)") }
        #expect(falseKeys.count <= 1, "\(falseKeys)")
    }

    @Test("a digit 5 dB above speech is heard, every time but once at most", arguments: Path.allCases)
    func aboveSpeech(path: Path) throws {
        let outcome = try speechOutcome(aboveSpeechDB: 5, path: path)
        #expect(outcome.missed.count <= 1 && outcome.wrong == [])
    }

    @Test(
        "a digit at the level of speech: heard at least 57 times in 64, a wrong digit at most once",
        arguments: Path.allCases)
    func atSpeechLevel(path: Path) throws {
        let outcome = try speechOutcome(aboveSpeechDB: 0, path: path)
        for failure in outcome.missed + outcome.wrong { print("at speech level (\(path)): \(failure)") }
        #expect(outcome.missed.count + outcome.wrong.count <= 7)
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

/// The tests that tell a key from music, each on a synthetic signal that is a key but for one property
/// of music, and on the same signal without it.
@Suite("DTMF receiver, what music has and a key has not")
struct DTMFMusicTests {
    /// Sinusoids (frequency Hz, level dBm0, first and last sample) summed, at 8 kHz, random phases.
    static func partials(_ list: [(Double, Double, Int, Int)], seed: UInt64 = 1) -> [Int16] {
        let length = list.map(\.3).max() ?? 0
        var samples = [Double](repeating: 0, count: length)
        var random = SeededRandom(seed: seed)
        for (frequency, level, first, last) in list {
            var oscillator = SineOscillator(
                frequency: frequency, sampleRate: 8000, amplitude: Level.sineAmplitude(dBm0: level),
                phase: random.phase())
            for n in first..<last { samples[n] = samples[n] + oscillator.next() }
        }
        return samples.map(Saturate.int16)
    }

    static let five = DTMFDigit("5")!  // 770 + 1336 Hz

    @Test("a pair left when the other notes of a chord stop is no key; the same pair from silence is")
    func pairAlreadySounding() {
        // 770 and 1336 Hz sound from the start with a loud 520 Hz note (no pair can pass with it); the
        // note stops at 0.3 s, and the pair goes on alone for 0.2 s.
        let chord = Self.partials([(770, -12, 0, 4000), (1336, -12, 0, 4000), (520, -4, 0, 2400)])
        #expect(digits(receive(chord)) == [])
        var off = DTMFDetector.Configuration()
        off.preOnsetLevelDB = 100
        #expect(digits(receive(chord, configuration: off)).contains(Self.five), "without the test, a key")
        let fromSilence = Self.partials([(770, -12, 2400, 4000), (1336, -12, 2400, 4000), (520, -4, 0, 2400)])
        #expect(digits(receive(fromSilence)) == [Self.five])
    }

    @Test("a pair with a second or third harmonic 10 dB down is no key (a key without the test); 25 dB down, a key")
    func harmonics() {
        var off = DTMFDetector.Configuration()
        off.harmonicLevelDB = 100
        for harmonic in [1540.0, 2672, 2310] {  // 770 × 2, 1336 × 2, 770 × 3
            let note = Self.partials([(770, -10, 800, 2400), (1336, -10, 800, 2400), (harmonic, -20, 800, 2400)])
            #expect(digits(receive(note)) == [], "\(harmonic) Hz 10 dB down")
            #expect(digits(receive(note, configuration: off)) == [Self.five], "\(harmonic) Hz, without the test")
            let key = Self.partials([(770, -10, 800, 2400), (1336, -10, 800, 2400), (harmonic, -35, 800, 2400)])
            #expect(digits(receive(key)) == [Self.five], "\(harmonic) Hz 25 dB down")
        }
    }

    @Test("a pair with a partial of the octave below 2.5 dB down is no key (a key without the test); 15 dB down, a key")
    func octaveBelow() {
        // '*' (941 + 1209 Hz): half the high tone and 3/2 of the low one lie far from both tones.
        let star = DTMFDigit("*")!
        var off = DTMFDetector.Configuration()
        off.lowerOctaveLevelDB = 100
        for partial in [604.5, 1411.5] {
            let note = Self.partials([(941, -10, 800, 2400), (1209, -10, 800, 2400), (partial, -12.5, 800, 2400)])
            #expect(digits(receive(note)) == [], "\(partial) Hz 2.5 dB down")
            #expect(digits(receive(note, configuration: off)) == [star], "\(partial) Hz, without the test")
            let key = Self.partials([(941, -10, 800, 2400), (1209, -10, 800, 2400), (partial, -25, 800, 2400)])
            #expect(digits(receive(key)) == [star], "\(partial) Hz 15 dB down")
        }
    }

    @Test("a clean pair whose weaker tone is smaller than a third partial is no key (a key without the test)")
    func weakerToneBelowTheRest() {
        // Twist -9 dB, and a 2000 Hz partial a little louder than the weak tone.
        let note = Self.partials([(770, -6, 800, 2400), (1336, -15, 800, 2400), (2000, -14, 800, 2400)])
        #expect(digits(receive(note)) == [])
        var off = DTMFDetector.Configuration()
        off.weakerToneOverResidualDB = -100
        #expect(digits(receive(note, configuration: off)) == [Self.five])
    }
}
