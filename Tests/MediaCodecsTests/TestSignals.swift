import RealModule

/// Deterministic test signals and measurements shared by the MediaCodecs tests.
enum TestSignals {
    /// A linear chirp from `startHz` to `endHz` over `frameCount` frames at `sampleRate`.
    static func chirp(
        from startHz: Double, to endHz: Double, sampleRate: Int, frameCount: Int, amplitude: Double
    ) -> [Double] {
        let duration = Double(frameCount) / Double(sampleRate)
        let rate = (endHz - startHz) / duration
        return (0..<frameCount).map { index in
            let t = Double(index) / Double(sampleRate)
            return amplitude * Double.sin(2 * Double.pi * (startHz * t + rate * t * t / 2))
        }
    }

    /// A voiced-speech-like signal: a 180 Hz fundamental with 1/k-weighted harmonics up to 3.4 kHz and a
    /// slow 3 Hz syllable envelope. Defined analytically, so it can be rendered at any rate.
    static func harmonic(sampleRate: Int, frameCount: Int, amplitude: Double) -> [Double] {
        let fundamental = 180.0
        let harmonicCount = Int(3400 / fundamental)
        var norm = 0.0
        for k in 1...harmonicCount { norm += 1 / Double(k) }
        return (0..<frameCount).map { index in
            let t = Double(index) / Double(sampleRate)
            var value = 0.0
            for k in 1...harmonicCount {
                value += Double.sin(2 * Double.pi * fundamental * Double(k) * t + Double(k * k) * 0.7) / Double(k)
            }
            let envelope = 0.6 + 0.4 * Double.sin(2 * Double.pi * 3 * t)
            return amplitude * envelope * value / norm
        }
    }

    /// A crude speech imitation, peaking at about `amplitude`: 180 ms syllables (raised-sine envelope) separated by 70 ms of near
    /// silence, a gliding 100-240 Hz pitch, and harmonics weighted by two formants (700 and 1800 Hz).
    /// A faint 2165 Hz tone (-46 dB) fills the pauses. The pauses matter to Opus: its voice activity detector needs them to treat the signal as speech
    /// (and only then does it add in-band FEC data).
    static func speechLike(sampleRate: Int, frameCount: Int, amplitude: Double) -> [Double] {
        (0..<frameCount).map { index in
            let t = Double(index) / Double(sampleRate)
            let syllables = t / 0.25
            let position = syllables - syllables.rounded(.down)
            // Pitch 140 + 60 sin(2π 1.3 t) + 40 · position Hz; the phase is its exact integral, so the
            // signal is the same function of time at every sample rate.
            let pitch = 140 + 60 * Double.sin(2 * Double.pi * 1.3 * t) + 40 * position
            let vibrato = 60 / (2 * Double.pi * 1.3) * (1 - Double.cos(2 * Double.pi * 1.3 * t))
            let glide = 40 * 0.25 * (syllables.rounded(.down) / 2 + position * position / 2)
            let phase = 2 * Double.pi * (140 * t + vibrato + glide)
            let envelope = position < 0.72 ? Double.sin(Double.pi * position / 0.72) : 0
            var value = 0.0
            for k in 1...Int(3400 / pitch) {
                let frequency = pitch * Double(k)
                let first = (frequency - 700) / 300
                let second = (frequency - 1800) / 400
                let weight = 1 / (1 + first * first) + 0.5 / (1 + second * second) + 0.2 / Double(k)
                value += weight * Double.sin(Double(k) * phase)
            }
            return amplitude * envelope * value / 10.5 + amplitude / 200 * Double.sin(2 * Double.pi * 2165 * t)
        }
    }

    /// A sine wave.
    static func sine(_ frequency: Double, sampleRate: Int, frameCount: Int, amplitude: Double) -> [Double] {
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        return (0..<frameCount).map { amplitude * Double.sin(step * Double($0)) }
    }

    /// Rounds to 16 bits with saturation.
    static func int16(_ signal: [Double]) -> [Int16] {
        signal.map { Int16(max(-32768, min(32767, $0.rounded()))) }
    }

    /// The signal-to-noise ratio in dB of `test` against `reference` over `range` of the reference,
    /// with `test` read `lag` frames later.
    static func snrDB(reference: [Double], test: [Int16], lag: Int, range: Range<Int>) -> Double {
        var signal = 0.0
        var noise = 0.0
        for index in range where index + lag >= 0 && index + lag < test.count {
            let error = Double(test[index + lag]) - reference[index]
            signal += reference[index] * reference[index]
            noise += error * error
        }
        return 10 * Double.log10(signal / max(noise, 1e-9))
    }

    /// The lag in `lags` at which `test` best matches `reference` (highest SNR), and that SNR.
    static func bestLag(reference: [Double], test: [Int16], lags: ClosedRange<Int>, range: Range<Int>)
        -> (lag: Int, snrDB: Double)
    {
        var best = (lag: lags.lowerBound, snrDB: -Double.infinity)
        for lag in lags {
            let snr = snrDB(reference: reference, test: test, lag: lag, range: range)
            if snr > best.snrDB { best = (lag, snr) }
        }
        return best
    }

    /// The root-mean-square value of a range of samples.
    static func rms<C: Collection>(_ samples: C) -> Double where C.Element == Int16 {
        guard !samples.isEmpty else { return 0 }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        return (sum / Double(samples.count)).squareRoot()
    }

    /// The amplitude of the sinusoid at `frequency` that best fits `samples` (least squares).
    static func toneAmplitude<C: Collection>(_ samples: C, frequency: Double, sampleRate: Int) -> Double
    where C.Element == Int16 {
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        var (cc, ss, cs, xc, xs) = (0.0, 0.0, 0.0, 0.0, 0.0)
        for (offset, sample) in samples.enumerated() {
            let c = Double.cos(step * Double(offset))
            let s = Double.sin(step * Double(offset))
            cc += c * c
            ss += s * s
            cs += c * s
            xc += Double(sample) * c
            xs += Double(sample) * s
        }
        let determinant = cc * ss - cs * cs
        let a = (xc * ss - xs * cs) / determinant
        let b = (xs * cc - xc * cs) / determinant
        return (a * a + b * b).squareRoot()
    }

    /// The frequency with the largest fitted amplitude among `candidates`.
    static func dominantFrequency<C: Collection>(_ samples: C, candidates: [Double], sampleRate: Int) -> Double
    where C.Element == Int16 {
        candidates.max {
            toneAmplitude(samples, frequency: $0, sampleRate: sampleRate)
                < toneAmplitude(samples, frequency: $1, sampleRate: sampleRate)
        }!
    }

    /// A deterministic pseudo-random byte sequence (a 64-bit LCG).
    struct Bytes {
        var state: UInt64
        mutating func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
