import RealModule

/// A sine oscillator: a complex rotator, renormalised every sample so it neither decays nor grows.
///
/// Real-time safe: no allocation, locks, logging or blocking.
public struct SineOscillator: Sendable, Hashable {
    private var re: Double
    private var im: Double
    private let stepRe: Double
    private let stepIm: Double
    /// Peak amplitude in 16-bit units.
    public var amplitude: Double

    /// An oscillator at `frequency` Hz, `amplitude` peak, starting at `phase` radians.
    public init(frequency: Double, sampleRate: Double, amplitude: Double, phase: Double = 0) {
        let omega = 2 * Double.pi * frequency / sampleRate
        re = Double.cos(phase)
        im = Double.sin(phase)
        stepRe = Double.cos(omega)
        stepIm = Double.sin(omega)
        self.amplitude = amplitude
    }

    /// The next sample, amplitude · cos(ωn + φ).
    public mutating func next() -> Double {
        let value = amplitude * re
        let nextRe = re * stepRe - im * stepIm
        let nextIm = re * stepIm + im * stepRe
        let correction = 1.5 - 0.5 * (nextRe * nextRe + nextIm * nextIm)
        re = nextRe * correction
        im = nextIm * correction
        return value
    }
}

/// A Q.23 DTMF generator: digits at a level, with twist, on and off times, and optional frequency
/// deviation, rendered as 16-bit linear samples at 8 kHz.
public struct DTMFGenerator: Sendable, Hashable {
    /// The level of each tone, dBm0 (the mean of the two when there is twist). Q.23 suggests -6 to -10.
    public var levelDBm0: Double
    /// High group level minus low group level, dB (positive: reverse twist).
    public var twistDB: Double
    /// How long each digit sounds, ms.
    public var onMilliseconds: Double
    /// The silence after each digit, ms.
    public var offMilliseconds: Double
    /// Relative deviation applied to the low and high group frequencies (0.01 = +1 %).
    public var lowFrequencyDeviation: Double
    public var highFrequencyDeviation: Double
    /// The sample rate of the output.
    public var sampleRate: Double

    public init(
        levelDBm0: Double = -10, twistDB: Double = 0, onMilliseconds: Double = 100, offMilliseconds: Double = 100,
        lowFrequencyDeviation: Double = 0, highFrequencyDeviation: Double = 0, sampleRate: Double = 8000
    ) {
        self.levelDBm0 = levelDBm0
        self.twistDB = twistDB
        self.onMilliseconds = onMilliseconds
        self.offMilliseconds = offMilliseconds
        self.lowFrequencyDeviation = lowFrequencyDeviation
        self.highFrequencyDeviation = highFrequencyDeviation
        self.sampleRate = sampleRate
    }

    /// The peak amplitudes of the low and high tones.
    public var amplitudes: (low: Double, high: Double) {
        (Level.sineAmplitude(dBm0: levelDBm0 - twistDB / 2), Level.sineAmplitude(dBm0: levelDBm0 + twistDB / 2))
    }

    /// Samples in one digit and in one pause.
    public var onSamples: Int { Int((onMilliseconds * sampleRate / 1000).rounded()) }
    public var offSamples: Int { Int((offMilliseconds * sampleRate / 1000).rounded()) }

    /// Adds one digit's tone pair to `output` starting at `offset`, with the given starting phases.
    /// Returns the number of samples written (on time only).
    @discardableResult
    public func addTone(
        _ digit: DTMFDigit, to output: inout [Double], at offset: Int, lowPhase: Double = 0, highPhase: Double = 0
    ) -> Int {
        let (lowAmplitude, highAmplitude) = amplitudes
        var low = SineOscillator(
            frequency: digit.lowFrequency * (1 + lowFrequencyDeviation), sampleRate: sampleRate,
            amplitude: lowAmplitude, phase: lowPhase)
        var high = SineOscillator(
            frequency: digit.highFrequency * (1 + highFrequencyDeviation), sampleRate: sampleRate,
            amplitude: highAmplitude, phase: highPhase)
        let count = onSamples
        if output.count < offset + count { output += [Double](repeating: 0, count: offset + count - output.count) }
        for i in 0..<count { output[offset + i] += low.next() + high.next() }
        return count
    }

    /// Renders `digits`, each followed by the pause, as 16-bit samples (saturating).
    public func render(_ digits: [DTMFDigit]) -> [Int16] {
        var signal: [Double] = []
        var offset = 0
        for digit in digits {
            offset += addTone(digit, to: &signal, at: offset)
            offset += offSamples
        }
        if signal.count < offset { signal += [Double](repeating: 0, count: offset - signal.count) }
        return signal.map(Saturate.int16)
    }
}

/// Rounding to 16 bits with saturation.
public enum Saturate {
    /// `value` rounded to the nearest integer and clamped to the Int16 range.
    @inlinable
    public static func int16(_ value: Double) -> Int16 {
        let rounded = value.rounded()
        if rounded >= 32767 { return .max }
        if rounded <= -32768 { return .min }
        return Int16(rounded)
    }
}
