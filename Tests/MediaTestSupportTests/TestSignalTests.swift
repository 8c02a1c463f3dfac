import DSPCore
import MediaTestSupport
import RealModule
import Testing

@Suite("Test signal synthesis")
struct TestSignalTests {
    @Test("white noise has the asked S/N against the signal power", arguments: [15.0, 6, 3])
    func noiseLevel(snrDB: Double) {
        var random = SeededRandom(seed: 1)
        var signal = TestSignal(silenceSamples: 80_000)
        let reference = Level.meanSquare(dBm0: -10)
        signal.addWhiteNoise(snrDB: snrDB, signalMeanSquare: reference, random: &random)
        let meanSquare = signal.samples.map { $0 * $0 }.reduce(0, +) / Double(signal.count)
        #expect(abs(10 * Double.log10(reference / meanSquare) - snrDB) < 0.1)
    }

    @Test("the active speech level ignores pauses")
    func speechLevel() {
        // Half a second of a -20 dBm0 tone, then a second of silence: the active level is the tone's.
        var tone = SineOscillator(frequency: 440, sampleRate: 8000, amplitude: Level.sineAmplitude(dBm0: -20))
        let samples = (0..<4000).map { _ in tone.next() } + [Double](repeating: 0, count: 8000)
        let level = Level.dBm0(meanSquare: SpeechLevel.activeMeanSquare(samples))
        #expect(abs(level - -20) < 0.1)
        #expect(SpeechLevel.activeFrameOffsets(samples) == Array(stride(from: 0, to: 4000, by: 80)))
    }

    @Test("the battery is the same on every run and its keys are where it says", arguments: Q24Battery.Row.allCases)
    func batteryIsDeterministic(row: Q24Battery.Row) {
        let first = Q24Battery.cases(row), second = Q24Battery.cases(row)
        #expect(first.count == second.count && first.count >= 10)
        #expect(zip(first, second).allSatisfy { $0.samples == $1.samples })
        for c in first {
            #expect(c.expected.isEmpty == row.expectsRejection)
            for key in c.keys {
                // The first sample of each key is where the battery placed it: silence just before.
                #expect(key.onsetSample == 0 || c.samples[key.onsetSample - 1] == 0 || row.rawValue.hasPrefix("noise"))
            }
        }
    }

    @Test("G.711 coding in the battery changes the samples but keeps the keys")
    func coded() {
        let linear = Q24Battery.cases(.basic)[0], coded = Q24Battery.cases(.basic, law: .aLaw)[0]
        #expect(linear.samples != coded.samples && linear.keys == coded.keys)
    }
}
