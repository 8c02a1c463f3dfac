import DSPCore
import Foundation
import MediaTestSupport
import Testing

/// The line's own playback as the receiver's reference: the echo of a prompt (delayed, at least 6 dB
/// down, telephone-band filtered) is never a key, and a key pressed over that echo is heard as soon as
/// without it.
@Suite("DTMF receiver, the echo of the line's own playback")
struct DTMFEchoTests {
    /// The echoes tried: delay (ms) and loss (dB). Up to 64 ms, at least 6 dB down.
    static let echoes: [(delayMilliseconds: Double, lossDB: Double)] = [
        (0, 6), (8, 6), (23, 9), (37, 6), (50, 12), (64, 6), (64, 20), (3, 15),
    ]

    /// The echo of `played`: band-limited, `lossDB` down, `delayMilliseconds` late.
    static func echo(of played: [Int16], delayMilliseconds: Double, lossDB: Double) -> [Int16] {
        let delay = Int((delayMilliseconds * 8).rounded())
        let band = TelephoneBand.filter(played, gain: Level.pow10(dB: -lossDB))
        return [Int16](repeating: 0, count: delay) + band.dropLast(delay)
    }

    /// `samples` raised so that their peak is full scale: the loudest a prompt is played.
    static func loud(_ samples: [Int16]) -> [Int16] {
        let peak = samples.reduce(0) { max($0, abs(Int($1))) }
        guard peak > 0 else { return samples }
        let gain = 32767 / Double(peak)
        return samples.map { Saturate.int16(Double($0) * gain) }
    }

    /// Every key-down over `received`, with `reference` (when given) as the line's playback, in 160-sample
    /// blocks.
    static func keyDowns(_ received: [Int16], reference: [Int16]?) -> [DTMFDetector.Event] {
        var detector = DTMFDetector()
        var events: [DTMFDetector.Event] = []
        let record = { (e: DTMFDetector.Event) in if e.kind == .keyDown { events.append(e) } }
        received.withUnsafeBufferPointer { rx in
            var start = 0
            while start < rx.count {
                let end = min(start + 160, rx.count)
                if let reference {
                    reference.withUnsafeBufferPointer { ref in
                        let refEnd = min(end, ref.count), refStart = min(start, refEnd)
                        detector.process(
                            UnsafeBufferPointer(rebasing: rx[start..<end]),
                            reference: UnsafeBufferPointer(rebasing: ref[refStart..<refEnd]), record)
                    }
                } else {
                    detector.process(UnsafeBufferPointer(rebasing: rx[start..<end]), record)
                }
                start = end
            }
        }
        detector.finish(record)
        return events
    }

    /// The keys heard in the echoes of `files`, played loud, each file through some of `echoes` in turn
    /// (`perFile` of them), with the reference.
    static func falseKeys(_ files: [String], perFile: Int) throws -> [String] {
        var found: [String] = []
        for (index, file) in files.enumerated() {
            let played = loud(try Corpus.read(file))
            for k in 0..<perFile {
                let e = echoes[(index * perFile + k) % echoes.count]
                let received = echo(of: played, delayMilliseconds: e.delayMilliseconds, lossDB: e.lossDB)
                for key in keyDowns(received, reference: played) {
                    found.append(
                        "\(file), echo \(e.delayMilliseconds) ms \(e.lossDB) dB: '\(key.digit)' at \(Double(key.onsetSample) / 8000) s"
                    )
                }
            }
        }
        return found
    }

    /// The package's Prompts folder.
    static var promptFiles: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Prompts").path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".opus") { files.append(root + "/" + relative) }
        }
        return files.sorted()
    }

    @Test("the echo of every prompt in Prompts/, played loud, is no key (4 delays and losses each)")
    func promptsEcho() throws {
        let files = Self.promptFiles
        try #require(files.count > 100, "Prompts/ holds \(files.count) files")
        #expect(try Self.falseKeys(files, perFile: 4) == [])
    }

    @Test("the echo of every en and ru Asterisk prompt, played loud, is no key (2 delays and losses each)")
    func asteriskEcho() throws {
        let files = Corpus.wavFiles(below: Corpus.englishDirectory) + Corpus.wavFiles(below: Corpus.russianDirectory)
        try #require(files.count > 1000, "the en and ru Asterisk prompts are not installed (make test installs them)")
        #expect(try Self.falseKeys(files, perFile: 2) == [])
    }

    /// A prompt that itself holds tone pairs (an announcement that plays the key to press), played loud,
    /// with speech around them.
    static func promptWithTones() throws -> (played: [Int16], digits: [DTMFDigit]) {
        let speech = try Corpus.englishUtterances().prefix(3).flatMap { $0 }
        var signal = TestSignal()
        signal.samples = speech
        let digits: [DTMFDigit] = "19#5".compactMap(DTMFDigit.init)
        let generator = DTMFGenerator(levelDBm0: -3, onMilliseconds: 120)
        var random = SeededRandom(seed: 7)
        for (i, digit) in digits.enumerated() {
            let at = 4000 + i * (signal.count - 8000) / digits.count
            generator.addTone(digit, to: &signal.samples, at: at, lowPhase: random.phase(), highPhase: random.phase())
        }
        return (signal.int16, digits)
    }

    @Test("a prompt that plays tone pairs: its echo is heard as keys without the reference and as none with it")
    func tonesInPrompt() throws {
        let (played, digits) = try Self.promptWithTones()
        for e in Self.echoes {
            let received = Self.echo(of: played, delayMilliseconds: e.delayMilliseconds, lossDB: e.lossDB)
            let without = Self.keyDowns(received, reference: nil).map(\.digit)
            if e.lossDB <= 12 { #expect(without == digits, "\(e): without the reference") }
            #expect(Self.keyDowns(received, reference: played).isEmpty, "\(e): with the reference")
        }
    }

    @Test("keys at -10 dBm0 over the echo of a prompt: 15 in 16 heard at least, and reported as without the reference")
    func keysOverEcho() throws {
        // The prompt at the level it was recorded at (the loud copies of the tests above put an echo
        // 6 dB down above the key itself).
        let played = try Corpus.englishUtterances().prefix(6).flatMap { $0 }.map(Saturate.int16)
        // The caller's keys: all sixteen, 70 ms on, spread over the prompt.
        let pressed = DTMFDigit.allCases
        var keys = TestSignal(silenceSamples: played.count)
        let generator = DTMFGenerator(levelDBm0: -10, onMilliseconds: 70)
        var random = SeededRandom(seed: 11)
        for (i, digit) in pressed.enumerated() {
            let at = 2000 + i * (played.count - 4000) / pressed.count
            generator.addTone(digit, to: &keys.samples, at: at, lowPhase: random.phase(), highPhase: random.phase())
        }
        for e in Self.echoes {
            let echo = Self.echo(of: played, delayMilliseconds: e.delayMilliseconds, lossDB: e.lossDB)
            let received = zip(keys.samples, echo).map { Saturate.int16($0 + Double($1)) }
            let heard = Self.keyDowns(received, reference: played)
            // A key whose first milliseconds coincide with the start of a loud word can be lost to the
            // receiver's talk-off tests (with or without the reference): one in 16 at most.
            let missed = pressed.count - heard.count
            #expect(missed <= 1 && heard.map(\.digit).allSatisfy(pressed.contains), "\(e): \(heard.map(\.digit))")
            // The reference only ever removes echoes: every key is reported at the same sample, with the
            // same onset, as by a receiver without it.
            #expect(heard == Self.keyDowns(received, reference: nil), "\(e)")
        }
    }
}
