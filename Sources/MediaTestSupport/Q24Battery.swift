import DSPCore

/// One synthesised test signal and what a receiver must make of it.
public struct BatteryCase: Sendable {
    /// What the case is, for failure messages.
    public var label: String
    /// The signal as the receiver gets it (8 kHz, 16-bit linear, after G.711 when asked).
    public var samples: [Int16]
    /// The keys in the signal, with their true onsets.
    public var keys: [PlacedKey]
    /// The digits the receiver must report, in order (empty: it must report nothing).
    public var expected: [DTMFDigit]
}

/// The Q.24 test battery of notes/dtmf.md, synthesised (as SpanDSP's test program mirrors the Mitel
/// CM7291 tape): every row is a list of cases with random tone phases and a random alignment of the
/// first tone to any block size (0-159 samples of leading silence). Deterministic for a seed.
public enum Q24Battery {
    /// The rows of the battery.
    public enum Row: String, Sendable, CaseIterable {
        /// All 16 digits ten times, -10 dBm0, 50 ms on, 50 ms off.
        case basic
        /// Every tone up to ±1.5 % off nominal: must be detected.
        case frequencyWithin
        /// A tone 3.5 % to 5 % off nominal: must be rejected.
        case frequencyBeyond
        /// Twist from -8 dB (normal) to +4 dB (reverse): must be detected.
        case twistWithin
        /// Twist of 12 dB normal or 8 dB reverse and beyond: must be rejected.
        case twistBeyond
        /// 40 ms tones: must be detected.
        case duration40
        /// Tones of 20 ms and shorter: must be rejected.
        case durationShort
        /// Two presses separated by a 40 ms pause: two digits.
        case pause40
        /// A 5 or 10 ms dropout inside one press: one digit.
        case dropout
        /// Levels from 0 to -30 dBm0 per tone: must be detected.
        case levels
        /// White noise (0-4 kHz) at 15, 6 and 3 dB S/N against the pair's power: must be detected.
        case noise15, noise6, noise3

        /// True when a correct receiver reports nothing for this row's cases.
        public var expectsRejection: Bool {
            self == .frequencyBeyond || self == .twistBeyond || self == .durationShort
        }
    }

    static let tonePeriodMilliseconds = 50.0

    /// The cases of `row`, through G.711 `law` when given.
    public static func cases(_ row: Row, law: G711.Law? = nil, seed: UInt64 = 24) -> [BatteryCase] {
        var random = SeededRandom(seed: seed &+ UInt64(Row.allCases.firstIndex(of: row)!) &* 7919)
        var result: [BatteryCase] = []
        let digits = DTMFDigit.allCases

        func single(_ label: String, _ digit: DTMFDigit, _ generator: DTMFGenerator, expect: Bool) {
            var signal = TestSignal(silenceSamples: Int(random.next() % 160))
            signal.appendKey(digit, generator: generator, random: &random)
            signal.appendSilence(milliseconds: 100)
            result.append(
                BatteryCase(
                    label: label, samples: signal.received(through: law), keys: signal.keys,
                    expected: expect ? [digit] : []))
        }

        switch row {
        case .basic:
            for repetition in 0..<10 {
                var signal = TestSignal(silenceSamples: Int(random.next() % 160))
                let generator = DTMFGenerator(levelDBm0: -10, onMilliseconds: 50, offMilliseconds: 50)
                for digit in digits {
                    signal.appendKey(digit, generator: generator, random: &random)
                    signal.appendSilence(milliseconds: 50)
                }
                result.append(
                    BatteryCase(
                        label: "sequence \(repetition)", samples: signal.received(through: law),
                        keys: signal.keys, expected: digits))
            }
        case .frequencyWithin:
            let offsets = [-0.015, -0.0075, 0, 0.0075, 0.015]
            for digit in digits {
                for low in offsets {
                    for high in offsets where max(abs(low), abs(high)) == 0.015 {
                        let generator = DTMFGenerator(
                            onMilliseconds: 50, lowFrequencyDeviation: low,
                            highFrequencyDeviation: high)
                        single("\(digit) low \(low * 100)% high \(high * 100)%", digit, generator, expect: true)
                    }
                }
            }
        case .frequencyBeyond:
            for digit in digits {
                for offset in [0.035, -0.035, 0.04, -0.04, 0.05, -0.05] {
                    for group in 0..<2 {
                        let generator = DTMFGenerator(
                            onMilliseconds: 50,
                            lowFrequencyDeviation: group == 0 ? offset : 0,
                            highFrequencyDeviation: group == 1 ? offset : 0)
                        single(
                            "\(digit) \(group == 0 ? "low" : "high") \(offset * 100)%", digit, generator,
                            expect: false)
                    }
                }
                for (low, high) in [(0.035, 0.035), (-0.035, -0.035), (0.035, -0.035), (-0.035, 0.035)] {
                    let generator = DTMFGenerator(
                        onMilliseconds: 50, lowFrequencyDeviation: low,
                        highFrequencyDeviation: high)
                    single("\(digit) both \(low * 100)%/\(high * 100)%", digit, generator, expect: false)
                }
            }
        case .twistWithin:
            for digit in digits {
                for twist in stride(from: -8.0, through: 4.0, by: 1.0) {
                    single(
                        "\(digit) twist \(twist) dB", digit, DTMFGenerator(twistDB: twist, onMilliseconds: 50),
                        expect: true)
                }
            }
        case .twistBeyond:
            for digit in digits {
                for twist in [-12.0, -14, -16, 8, 10, 12] {
                    single(
                        "\(digit) twist \(twist) dB", digit, DTMFGenerator(twistDB: twist, onMilliseconds: 50),
                        expect: false)
                }
            }
        case .duration40:
            for digit in digits {
                for _ in 0..<4 {
                    single("\(digit) 40 ms", digit, DTMFGenerator(onMilliseconds: 40), expect: true)
                }
            }
        case .durationShort:
            for digit in digits {
                for milliseconds in [20.0, 20, 20, 18, 15, 10] {
                    single(
                        "\(digit) \(milliseconds) ms", digit, DTMFGenerator(onMilliseconds: milliseconds),
                        expect: false)
                }
            }
        case .pause40:
            for (index, digit) in digits.enumerated() {
                let second = index % 2 == 0 ? digit : digits[(index + 5) % 16]
                let generator = DTMFGenerator(onMilliseconds: 40, offMilliseconds: 40)
                // 40 ms tones with a 40 ms pause, then the other way round with a 45 ms pause.
                for (first, then, pauseMilliseconds) in [(digit, second, 40.0), (second, digit, 45.0)] {
                    var signal = TestSignal(silenceSamples: Int(random.next() % 160))
                    signal.appendKey(first, generator: generator, random: &random)
                    signal.appendSilence(milliseconds: pauseMilliseconds)
                    signal.appendKey(then, generator: generator, random: &random)
                    signal.appendSilence(milliseconds: 100)
                    result.append(
                        BatteryCase(
                            label: "\(first) \(Int(pauseMilliseconds)) ms pause \(then)",
                            samples: signal.received(through: law), keys: signal.keys,
                            expected: [first, then]))
                }
            }
        case .dropout:
            for digit in digits {
                for gapMilliseconds in [5.0, 10.0] {
                    var signal = TestSignal(silenceSamples: Int(random.next() % 160))
                    let start = signal.count
                    signal.appendKey(digit, generator: DTMFGenerator(onMilliseconds: 150), random: &random)
                    signal.appendSilence(milliseconds: 100)
                    let gap = Int(gapMilliseconds * 8)
                    signal.silence(from: start + 200 + Int(random.next() % 600), count: gap)
                    result.append(
                        BatteryCase(
                            label: "\(digit) \(gapMilliseconds) ms dropout",
                            samples: signal.received(through: law), keys: signal.keys,
                            expected: [digit]))
                }
            }
        case .levels:
            for digit in digits {
                for level in [0.0, -3, -6, -10, -15, -20, -25, -28, -30] {
                    single(
                        "\(digit) \(level) dBm0", digit, DTMFGenerator(levelDBm0: level, onMilliseconds: 50),
                        expect: true)
                }
            }
        case .noise15, .noise6, .noise3:
            let snr = row == .noise15 ? 15.0 : row == .noise6 ? 6 : 3
            let generator = DTMFGenerator(levelDBm0: -10, onMilliseconds: 50)
            let pairMeanSquare = 2 * Level.meanSquare(dBm0: -10)
            for digit in digits {
                for _ in 0..<5 {
                    var signal = TestSignal(silenceSamples: 200 + Int(random.next() % 160))
                    signal.appendKey(digit, generator: generator, random: &random)
                    signal.appendSilence(milliseconds: 150)
                    signal.addWhiteNoise(snrDB: snr, signalMeanSquare: pairMeanSquare, random: &random)
                    result.append(
                        BatteryCase(
                            label: "\(digit) S/N \(snr) dB", samples: signal.received(through: law),
                            keys: signal.keys, expected: [digit]))
                }
            }
        }
        return result
    }

    /// Cases of a key mixed into speech: the pair (-10 dBm0 per tone, 50 ms) placed at a random active
    /// point of a random utterance, `aboveSpeechDB` above the utterance's active speech level (P.56-like).
    public static func speechCases(
        utterances: [[Double]], aboveSpeechDB: Double, law: G711.Law? = nil, perDigit: Int = 4, seed: UInt64 = 56
    ) -> [BatteryCase] {
        var random = SeededRandom(seed: seed &+ UInt64(aboveSpeechDB * 10 + 1000))
        let usable = utterances.filter { $0.count >= 4000 }
        precondition(!usable.isEmpty, "no utterance of at least 0.5 s")
        var result: [BatteryCase] = []
        let generator = DTMFGenerator(levelDBm0: -10, onMilliseconds: 50)
        let pairMeanSquare = 2 * Level.meanSquare(dBm0: -10)
        for digit in DTMFDigit.allCases {
            for _ in 0..<perDigit {
                let speech = usable[Int(random.next() % UInt64(usable.count))]
                let level = SpeechLevel.activeMeanSquare(speech)
                let gain =
                    (pairMeanSquare / Level.pow10(dB: aboveSpeechDB) / Level.pow10(dB: aboveSpeechDB)
                    / level).squareRoot()
                let active = SpeechLevel.activeFrameOffsets(speech)
                var onset = active[Int(random.next() % UInt64(active.count))] + Int(random.next() % 80)
                onset = min(onset, speech.count - 400)
                var signal = TestSignal()
                signal.mix(speech, gain: gain)
                var tone: [Double] = []
                generator.addTone(digit, to: &tone, at: 0, lowPhase: random.phase(), highPhase: random.phase())
                signal.mix(tone, at: onset)
                signal.keys = [PlacedKey(digit: digit, onsetSample: onset, durationSamples: tone.count)]
                result.append(
                    BatteryCase(
                        label: "\(digit) \(aboveSpeechDB) dB above speech at \(onset)",
                        samples: signal.received(through: law), keys: signal.keys,
                        expected: [digit]))
            }
        }
        return result
    }
}
