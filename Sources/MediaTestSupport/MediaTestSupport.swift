import DSPCore
import RealModule

/// A small, fast, seedable random number generator (SplitMix64), so that every synthesised test
/// signal is the same on every run and every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A standard normal value (Box-Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2)
    }

    /// A random phase in [0, 2π).
    public mutating func phase() -> Double { 2 * .pi * unit() }
}

/// Where each synthesised key is, for checking a receiver's output against.
public struct PlacedKey: Sendable, Hashable {
    public var digit: DTMFDigit
    public var onsetSample: Int
    public var durationSamples: Int
}

/// A signal built up in double precision, then rounded to 16 bits (or G.711 coded) once.
public struct TestSignal: Sendable {
    public var samples: [Double]
    public var keys: [PlacedKey] = []

    public init(silenceSamples: Int = 0) { samples = [Double](repeating: 0, count: silenceSamples) }

    public var count: Int { samples.count }

    /// Appends silence.
    public mutating func appendSilence(milliseconds: Double) {
        samples += [Double](repeating: 0, count: Int((milliseconds * 8).rounded()))
    }

    /// Appends a key with random phases and records where it is.
    public mutating func appendKey(
        _ digit: DTMFDigit, generator: DTMFGenerator, random: inout SeededRandom
    ) {
        let onset = samples.count
        let written = generator.addTone(
            digit, to: &samples, at: onset, lowPhase: random.phase(), highPhase: random.phase())
        keys.append(PlacedKey(digit: digit, onsetSample: onset, durationSamples: written))
    }

    /// Zeroes `count` samples starting at `offset` (a dropout).
    public mutating func silence(from offset: Int, count: Int) {
        for i in offset..<min(offset + count, samples.count) { samples[i] = 0 }
    }

    /// Adds white Gaussian noise whose power is `snrDB` below `signalMeanSquare`.
    public mutating func addWhiteNoise(snrDB: Double, signalMeanSquare: Double, random: inout SeededRandom) {
        let sigma = signalMeanSquare.squareRoot() / Level.pow10(dB: snrDB)
        for i in samples.indices { samples[i] += sigma * random.gaussian() }
    }

    /// Adds `other` starting at `offset`, scaled by `gain`.
    public mutating func mix(_ other: [Double], at offset: Int = 0, gain: Double = 1) {
        if samples.count < offset + other.count {
            samples += [Double](repeating: 0, count: offset + other.count - samples.count)
        }
        for i in other.indices { samples[offset + i] += gain * other[i] }
    }

    /// The signal rounded to 16 bits with saturation.
    public var int16: [Int16] { samples.map(Saturate.int16) }

    /// The signal after G.711 coding and decoding under `law`.
    public func coded(_ law: G711.Law) -> [Int16] {
        int16.map { G711.decode(G711.encode($0, law: law), law: law) }
    }

    /// The signal as a receiver would get it: linear, or through G.711.
    public func received(through law: G711.Law?) -> [Int16] {
        law.map(coded) ?? int16
    }
}

/// The level of speech, for mixing keys "N dB above speech".
public enum SpeechLevel {
    /// Frame length for the activity decision: 10 ms.
    static let frame = 80

    /// The mean power of each 10 ms frame.
    static func framePowers(_ samples: [Double]) -> [Double] {
        (0..<(samples.count / frame)).map { f in
            var sum = 0.0
            for i in 0..<frame { sum += samples[f * frame + i] * samples[f * frame + i] }
            return sum / Double(frame)
        }
    }

    /// Which frames are active: no more than 15.9 dB below the mean frame power (the margin of
    /// ITU-T P.56, in a simplified frame-based form).
    static func activeFrames(_ powers: [Double]) -> [Int] {
        guard !powers.isEmpty else { return [] }
        let mean = powers.reduce(0, +) / Double(powers.count)
        let threshold = mean / (Level.pow10(dB: 15.9) * Level.pow10(dB: 15.9))
        return powers.indices.filter { powers[$0] >= threshold }
    }

    /// The active speech level of `samples` as a mean square.
    public static func activeMeanSquare(_ samples: [Double]) -> Double {
        let powers = framePowers(samples)
        let active = activeFrames(powers)
        guard !active.isEmpty else { return 0 }
        return active.map { powers[$0] }.reduce(0, +) / Double(active.count)
    }

    /// The start offsets of the active 10 ms frames.
    public static func activeFrameOffsets(_ samples: [Double]) -> [Int] {
        activeFrames(framePowers(samples)).map { $0 * frame }
    }
}
