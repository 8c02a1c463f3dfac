import RealModule

// The music checks: two vetoes for a pair that passed a tier, each looking at the samples around it.

// MARK: - The pair must begin at its onset

// A key is a pair of tones that starts from nothing: before the key goes down neither of its
// frequencies sounds. Music and speech that look like a pair for a moment are different: the notes of
// a chord, a sustained synthesiser pad or a voice's harmonics were already sounding at those
// frequencies before the moment the pair looks clean (measured on the tuning half of the talk-off
// corpus: in most false keys both tones were there within 6 dB before the "onset"; in keys pressed
// over speech at its level, the speech before the onset reaches -25 dB at most in the narrow band of a
// tone). So a pair whose both tones were already present just before its onset is not a key.

extension DTMFDetector {
    /// Whether both tones of the pair `low`, `high` with its onset at `onset` were already sounding before
    /// it: each tone's amplitude over the stretch just before the onset (as long as the tone so far, at
    /// most `preOnsetSamples`, never reaching into the previous key) is at least `preOnsetRatio` of its
    /// amplitude since the onset.
    ///
    /// Cost, only for a pair that passed every other test: one complex multiply-add per tone and sample
    /// of the two stretches (at most a few hundred samples).
    mutating func pairPrecedesOnset(_ low: Tone, _ high: Tone, onset: Int64) -> Bool {
        let now = sampleCount
        let toneLength = now - onset
        let earliest = max(previousKeyEnd &+ 1, now - Int64(Self.historyCapacity) + 1, 0)
        let preStart = max(onset - min(toneLength, Self.preOnsetSamples), earliest)
        let preLength = onset - preStart
        guard preLength >= Self.preOnsetMinimumSamples, toneLength > 0 else { return false }
        let frequencies = SIMD2(low.frequency, high.frequency)
        let before = amplitudes(frequencies, from: preStart, count: Int(preLength))
        let during = amplitudes(frequencies, from: onset, count: Int(toneLength))
        return all(before .>= descriptor.limits.preOnsetRatio * during)
    }

    /// The amplitudes of two sinusoids at `frequencies` (Hz) over `count` samples of the history from
    /// `first`, each from one DFT value: 2|Σ x[n]·e^{-jωn}| / count.
    private mutating func amplitudes(_ frequencies: SIMD2<Double>, from first: Int64, count: Int) -> SIMD2<Double> {
        let omega = 2 * Double.pi * frequencies / Double(Self.sampleRate)
        let (stepSin, stepCos) = sinCos(omega)
        let mask = Self.historyCapacity - 1
        return history.withUnsafeBufferPointer { history in
            var c = SIMD2<Double>(repeating: 1), s = SIMD2<Double>()
            var re = SIMD2<Double>(), im = SIMD2<Double>()
            var index = Int(truncatingIfNeeded: first) & mask
            for _ in 0..<count {
                let x = SIMD2(repeating: Double(history[index]))
                re += x * c
                im -= x * s
                (c, s) = (c * stepCos - s * stepSin, s * stepCos + c * stepSin)
                index = (index &+ 1) & mask
            }
            return 2 * (re * re + im * im).squareRoot() / Double(count)
        }
    }

    /// The longest stretch before the onset that is compared with the tone, samples (25 ms: shorter
    /// than the 40 ms pause that may separate two keys).
    static let preOnsetSamples: Int64 = 200
    /// The shortest stretch worth comparing, samples (10 ms).
    static let preOnsetMinimumSamples: Int64 = 80
}

// MARK: - The pair has no harmonics

// A key's tones are pure: a Q.23 generator keeps every other frequency 20 dB and more below them. A
// note of music is a series of partials, and where two partials pass for a pair, the notes' other
// partials sound too. The receiver looks at the second harmonic of each tone, and at the partials of
// the octave below, in what is left of the stretch since the onset once the two fitted tones are taken
// out: a key leaves noise there (in the Q.24 battery and over speech at its level, at most -13 dB re
// the tone for a second harmonic at 3 dB S/N, and -4.6 dB for the octave below, where speech sounds
// loudest); in about half the false keys of the tuning half a partial stood there within 12 dB of the
// tone (second harmonic) or 3 dB (the octave below).

extension DTMFDetector {
    /// Whether either tone of the pair has a second harmonic (or the low tone a third) at least
    /// `harmonicLevelDB` re its own level, or a partial of the octave below (3/2 of the low tone, 1/2 of
    /// the high one) at least `lowerOctaveLevelDB`, over the samples from `onset` to now (at most
    /// `Self.harmonicSamples`).
    ///
    /// Cost, only for a pair that passed every other test: two passes over those samples (the tones'
    /// complex amplitudes; then the residual's Hann-windowed DFT at both second harmonics).
    mutating func pairHasHarmonics(_ low: Tone, _ high: Tone, onset: Int64) -> Bool {
        let now = sampleCount
        let first = max(onset, now - Self.harmonicSamples, 0)
        let count = Int(now - first)
        guard count >= 64 else { return false }
        let rate = Double(Self.sampleRate)
        let mask = Self.historyCapacity - 1
        let start = Int(truncatingIfNeeded: first) & mask
        let half = count / 2
        return history.withUnsafeBufferPointer { history in
            /// Σ x[n]·e^{-jωn} over `length` samples from `offset` (n counted from the stretch's start).
            func dft(
                _ omega: SIMD2<Double>, from offset: Int, _ length: Int
            ) -> (re: SIMD2<Double>, im: SIMD2<Double>) {
                let (stepSin, stepCos) = sinCos(omega)
                var (s, c) = sinCos(omega * Double(offset))
                var re = SIMD2<Double>(), im = SIMD2<Double>()
                var index = (start &+ offset) & mask
                for _ in 0..<length {
                    let x = SIMD2(repeating: Double(history[index]))
                    re += x * c
                    im -= x * s
                    (c, s) = (c * stepCos - s * stepSin, s * stepCos + c * stepSin)
                    index = (index &+ 1) & mask
                }
                return (re, im)
            }
            // The frequencies refined from the phase advance between the stretch's halves: the model must
            // match the tones to a fraction of a hertz, or what it leaves of them (within the Hann
            // window's main lobe of a second harmonic for the pairs 2, 6 and C) passes for a partial.
            var omega = 2 * Double.pi * SIMD2(low.frequency, high.frequency) / rate
            let early = dft(omega, from: 0, half), late = dft(omega, from: half, half)
            let crossRe = late.re * early.re + late.im * early.im
            let crossIm = late.im * early.re - late.re * early.im
            for lane in 0..<2 { omega[lane] += Double.atan2(y: crossIm[lane], x: crossRe[lane]) / Double(half) }
            // a = (2/N)·Σ x[n]·e^{-jωn}, so that the tone is Re(a·e^{jωn}).
            let whole = dft(omega, from: 0, count)
            let aRe = 2 * whole.re / Double(count), aIm = 2 * whole.im / Double(count)
            let amplitude = (aRe * aRe + aIm * aIm).squareRoot()
            // The residual x - Re(a_low·e^{jω_low n}) - Re(a_high·e^{jω_high n}), Hann-windowed, at the
            // probes: both second harmonics and the low tone's third (the high tone's is above the band),
            // then 3/2 of the low tone and 1/2 of the high one (partials of the octave below). Half the
            // low tone (350-470 Hz) is not probed: speech's fundamental sounds there. The last lanes
            // repeat the first, with the same limit.
            let probes = SIMD8(
                2 * omega[0], 2 * omega[1], 3 * omega[0], 2 * omega[0], 1.5 * omega[0], 0.5 * omega[1],
                1.5 * omega[0], 0.5 * omega[1])
            let reference = SIMD8(
                amplitude[0], amplitude[1], amplitude[0], amplitude[0], amplitude[0], amplitude[1], amplitude[0],
                amplitude[1])
            let (stepSin, stepCos) = sinCos(omega)
            var probeSin = SIMD8<Double>(), probeCos = SIMD8<Double>()
            for lane in 0..<8 {
                (probeSin[lane], probeCos[lane]) = (Double.sin(probes[lane]), Double.cos(probes[lane]))
            }
            let (windowSin, windowCos) = (
                Double.sin(2 * Double.pi / Double(count - 1)), Double.cos(2 * Double.pi / Double(count - 1))
            )
            var c = SIMD2<Double>(repeating: 1), s = SIMD2<Double>()
            var pc = SIMD8<Double>(repeating: 1), ps = SIMD8<Double>()
            var wc = 1.0, ws = 0.0
            var pRe = SIMD8<Double>(), pIm = SIMD8<Double>(), weights = 0.0
            var index = start
            for _ in 0..<count {
                let model = aRe * c - aIm * s
                let weight = 0.5 - 0.5 * wc
                let e = SIMD8(repeating: weight * (Double(history[index]) - model[0] - model[1]))
                pRe += e * pc
                pIm -= e * ps
                weights += weight
                (c, s) = (c * stepCos - s * stepSin, s * stepCos + c * stepSin)
                (pc, ps) = (pc * probeCos - ps * probeSin, ps * probeCos + pc * probeSin)
                (wc, ws) = (wc * windowCos - ws * windowSin, ws * windowCos + wc * windowSin)
                index = (index &+ 1) & mask
            }
            let probeAmplitude = 2 * (pRe * pRe + pIm * pIm).squareRoot() / weights
            return any(probeAmplitude .>= descriptor.limits.harmonicRatios * reference)
        }
    }

    /// The most samples since the onset that the harmonic test looks at (50 ms).
    static let harmonicSamples: Int64 = 400
}
