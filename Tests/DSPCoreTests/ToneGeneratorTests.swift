import DSPCore
import RealModule
import Testing

/// The level of the component of `samples` at `frequency`, dBm0, by a DFT over all samples.
func componentLevelDBm0(_ samples: [Int16], frequency: Double) -> Double {
    var re = 0.0, im = 0.0
    for (n, sample) in samples.enumerated() {
        let angle = 2 * Double.pi * frequency * Double(n) / 8000
        re += Double(sample) * Double.cos(angle)
        im -= Double(sample) * Double.sin(angle)
    }
    let amplitude = 2 * (re * re + im * im).squareRoot() / Double(samples.count)
    return Level.dBm0(rms: amplitude / 2.0.squareRoot())
}

@Suite("Q.23 DTMF generator")
struct ToneGeneratorTests {
    @Test(
        "each key carries its row and column frequency at the set level and twist",
        arguments: DTMFDigit.allCases)
    func frequenciesAndLevels(digit: DTMFDigit) {
        let generator = DTMFGenerator(levelDBm0: -7, twistDB: 2, onMilliseconds: 1000, offMilliseconds: 0)
        let samples = generator.render([digit])
        #expect(samples.count == 8000)
        #expect(abs(componentLevelDBm0(samples, frequency: digit.lowFrequency) - -8) < 0.05)
        #expect(abs(componentLevelDBm0(samples, frequency: digit.highFrequency) - -6) < 0.05)
        // Nothing at the other frequencies of the keypad.
        for other in DTMFDigit.rowFrequencies + DTMFDigit.columnFrequencies
        where other != digit.lowFrequency && other != digit.highFrequency {
            #expect(componentLevelDBm0(samples, frequency: other) < -60, "\(other) Hz")
        }
    }

    @Test("on and off times are exact to the sample")
    func timing() {
        let generator = DTMFGenerator(onMilliseconds: 65, offMilliseconds: 35)
        let samples = generator.render([.one, .two])
        #expect(samples.count == 2 * (520 + 280))
        #expect(samples[520..<800].allSatisfy { $0 == 0 })
        #expect(samples[0..<520].contains { $0 != 0 } && samples[800..<1320].contains { $0 != 0 })
    }

    @Test("the oscillator keeps its amplitude over a long run")
    func oscillatorStability() {
        var oscillator = SineOscillator(frequency: 1000, sampleRate: 8000, amplitude: 10000)
        var peak = 0.0
        for n in 0..<8_000_000 {
            let value = oscillator.next()
            if n >= 7_999_000 { peak = max(peak, abs(value)) }
        }
        #expect(abs(peak - 10000) < 1)
    }

    @Test("0 dBm0 per tone saturates instead of wrapping around")
    func saturation() {
        let samples = DTMFGenerator(levelDBm0: 0, onMilliseconds: 100).render([.d])
        #expect(samples.contains(.max) || samples.contains(.min))
        #expect(Saturate.int16(40000) == .max && Saturate.int16(-40000) == .min && Saturate.int16(1.5) == 2)
    }

    @Test("digits parse from keypad characters, case-insensitively, and nothing else")
    func parsing() {
        #expect(DTMFDigit.parse("0123456789*#ABCDabcd")?.map(\.description).joined() == "0123456789*#ABCDABCD")
        #expect(DTMFDigit.parse("12E") == nil)
        for digit in DTMFDigit.allCases { #expect(DTMFDigit(row: digit.row, column: digit.column) == digit) }
    }
}
