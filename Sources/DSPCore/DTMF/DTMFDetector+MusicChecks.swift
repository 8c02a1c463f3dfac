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
    /// Whether the pair that passed a tier is music rather than a key: its tones were already sounding
    /// before its onset, or it has harmonics (the two checks below). Both look at the stretch from the
    /// onset to now, measured once here.
    ///
    /// Cost, only for a pair that passed every other test: a Goertzel pass over the stretch since the
    /// onset and one over the stretch before it (two DFT values and the energy each). On a clean key that
    /// is all: what the stretch holds besides the pair is too small for the harmonic check to fire, which
    /// a bound establishes without that check's own passes.
    mutating func pairIsMusic(_ low: Tone, _ high: Tone, onset: Int64) -> Bool {
        // The tone is measured from 2 ms after its estimated onset: a few samples before a key's start
        // counted as tone would leave a residual that no key has.
        let start = onset + Self.onsetGuardSamples
        let toneLength = Int(sampleCount - start)
        guard toneLength > 0 else { return false }
        let frequencies = SIMD2(low.frequency, high.frequency)
        let during = stretch(frequencies, from: start, count: toneLength)
        return pairPrecedesOnset(frequencies, onset: onset, during: during.amplitude)
            || pairHasHarmonics(low, high, onset: onset, during: during)
    }

    /// Whether both tones (at `frequencies`) were already sounding before the onset: each one's amplitude
    /// over the stretch just before it (as long as the tone so far, at most `preOnsetSamples`, never
    /// reaching into the previous key) is at least `preOnsetRatio` of `during`, its amplitude since.
    ///
    /// A tone's amplitude over L samples of energy E is at most 2·sqrt(E/L) (Cauchy-Schwarz), so when
    /// that bound is below the limit for either tone the answer is no without the DFT. On a key after
    /// a quiet stretch that is the answer, and the energy comes mostly from the ring's sub-block sums.
    private mutating func pairPrecedesOnset(
        _ frequencies: SIMD2<Double>, onset: Int64, during: SIMD2<Double>
    ) -> Bool {
        let now = sampleCount
        let toneLength = now - onset
        let earliest = max(previousKeyEnd &+ 1, now - Int64(Self.historyCapacity) + 1, 0)
        let preStart = max(onset - min(toneLength, Self.preOnsetSamples), earliest)
        let preLength = Int(onset - preStart)
        guard preLength >= Self.preOnsetMinimumSamples else { return false }
        let least = descriptor.limits.preOnsetRatio * during
        let bound = 2 * (energyBound(from: preStart, to: onset) / Double(preLength)).squareRoot()
        guard bound >= least.min() else { return false }
        let before = stretch(frequencies, from: preStart, count: preLength).amplitude
        return all(before .>= least)
    }

    /// At least the energy of the history's samples from `first` up to `end`: the sub-blocks inside the
    /// stretch from the ring's energies (their `Float` sums, raised by 1e-5 to cover rounding), the
    /// samples at its edges one by one.
    private mutating func energyBound(from first: Int64, to end: Int64) -> Double {
        let l = Int64(Self.subBlockLength)
        let firstBlock = (first + l - 1) / l, endBlock = end / l
        guard firstBlock < endBlock, subBlockCount - firstBlock <= Int64(Self.ringCapacity),
            endBlock <= subBlockCount
        else { return sampleEnergy(from: first, count: Int(end - first)) }
        let blocks = withRing { ring in
            var sum = 0.0
            for block in Int(firstBlock)..<Int(endBlock) { sum += Double(ring.energy(block)) }
            return sum
        }
        return blocks * (1 + 1e-5) + sampleEnergy(from: first, count: Int(firstBlock * l - first))
            + sampleEnergy(from: endBlock * l, count: Int(end - endBlock * l))
    }

    /// The energy of `count` samples of the history from `first`.
    private mutating func sampleEnergy(from first: Int64, count: Int) -> Double {
        let mask = Self.historyCapacity - 1
        return history.withUnsafeBufferPointer { history in
            var sum = 0.0
            var index = Int(truncatingIfNeeded: first) & mask
            for _ in 0..<count {
                let x = Double(history[index])
                sum += x * x
                index = (index &+ 1) & mask
            }
            return sum
        }
    }

    /// Over `count` samples of the history from `first`: the DFT values Z = Σ x[n]·e^{-jωn} at two
    /// frequencies (Hz), the amplitudes of the sinusoids there, 2|Z| / count, and the samples' energy.
    mutating func stretch(
        _ frequencies: SIMD2<Double>, from first: Int64, count: Int
    ) -> Stretch {
        let omega = 2 * Double.pi * frequencies / Double(Self.sampleRate)
        let sums = history.withUnsafeBufferPointer { history in
            goertzelPair(history, first: first, count: count, omega: omega)
        }
        return Stretch(
            omega: omega, re: sums.re, im: sums.im,
            amplitude: 2 * (sums.re * sums.re + sums.im * sums.im).squareRoot() / Double(count),
            energy: sums.energy, count: count)
    }

    /// Two tones measured over a stretch of samples (`stretch`).
    struct Stretch {
        var omega: SIMD2<Double>
        /// Σ x[n]·e^{-jωn} per tone.
        var re: SIMD2<Double>
        var im: SIMD2<Double>
        var amplitude: SIMD2<Double>
        var energy: Double
        var count: Int

        /// The energy of what is left of the stretch once the best fit of two sinusoids at its two
        /// frequencies is taken out (least squares): Σx² - bᵀG⁻¹b, with b = (Re Z, -Im Z) per tone (the
        /// samples' products with cos ωn and sin ωn) and G the Gram matrix of those four sequences, from
        /// closed-form sums of e^{jθn}. G is symmetric and positive definite, so bᵀG⁻¹b = |L⁻¹b|² with
        /// G = LLᵀ (Cholesky). No pass over the samples.
        var residualEnergy: Double {
            let n = Double(count)
            /// Σ_{n<N} e^{jθn} = e^{jθ(N-1)/2}·sin(θN/2)/sin(θ/2), for two angles at once
            /// (sin(θN/2) from the angles θ(N-1)/2 and θ/2).
            func geometric(_ theta: SIMD2<Double>) -> (re: SIMD2<Double>, im: SIMD2<Double>) {
                let half = sinCos(theta / 2), middle = sinCos(theta / 2 * (n - 1))
                var magnitude = (middle.sin * half.cos + middle.cos * half.sin) / half.sin
                for lane in 0..<2 where abs(half.sin[lane]) < 1e-12 { magnitude[lane] = n }
                return (magnitude * middle.cos, magnitude * middle.sin)
            }
            // The sums Σ e^{j(ω_k + ω_l)n} and Σ e^{j(ω_k - ω_l)n}: (k, l) and (l, k) share the first, the
            // second of (1, 0) is the conjugate of that of (0, 1), and for k = l it is n.
            let doubled = geometric(2 * omega)
            let mixed = geometric(SIMD2(omega[0] + omega[1], omega[0] - omega[1]))
            // G in the order cos ω₀n, sin ω₀n, cos ω₁n, sin ω₁n (products of cos and sin from the sums of
            // their angles and differences).
            let g00 = 0.5 * (n + doubled.re[0]), g01 = 0.5 * doubled.im[0], g11 = 0.5 * (n - doubled.re[0])
            let g22 = 0.5 * (n + doubled.re[1]), g23 = 0.5 * doubled.im[1], g33 = 0.5 * (n - doubled.re[1])
            let g02 = 0.5 * (mixed.re[1] + mixed.re[0]), g13 = 0.5 * (mixed.re[1] - mixed.re[0])
            let g03 = 0.5 * (mixed.im[0] - mixed.im[1]), g12 = 0.5 * (mixed.im[0] + mixed.im[1])
            // Cholesky, column by column; a pivot that is not clearly positive (frequencies too close
            // for the stretch to tell apart) leaves the energy as it is.
            let floor = 1e-9 * n
            guard g00 > floor else { return energy }
            let l00 = g00.squareRoot()
            let l10 = g01 / l00, l20 = g02 / l00, l30 = g03 / l00
            let d1 = g11 - l10 * l10
            guard d1 > floor else { return energy }
            let l11 = d1.squareRoot()
            let l21 = (g12 - l20 * l10) / l11, l31 = (g13 - l30 * l10) / l11
            let d2 = g22 - l20 * l20 - l21 * l21
            guard d2 > floor else { return energy }
            let l22 = d2.squareRoot()
            let l32 = (g23 - l30 * l20 - l31 * l21) / l22
            let d3 = g33 - l30 * l30 - l31 * l31 - l32 * l32
            guard d3 > floor else { return energy }
            let l33 = d3.squareRoot()
            // y = L⁻¹b by forward substitution.
            let y0 = re[0] / l00
            let y1 = (-im[0] - l10 * y0) / l11
            let y2 = (re[1] - l20 * y0 - l21 * y1) / l22
            let y3 = (-im[1] - l30 * y0 - l31 * y1 - l32 * y2) / l33
            return max(energy - (y0 * y0 + y1 * y1 + y2 * y2 + y3 * y3), 0)
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
    /// Cost: three passes over those samples (the two halves' DFT values that refine the frequencies,
    /// the tones' complex amplitudes, the residual's Hann-windowed DFT at the eight probes).
    ///
    /// `during` is the pair measured over the stretch from the onset. When that is the stretch looked at,
    /// what the two tones leave of its energy bounds every probe: a Hann-windowed amplitude over N samples
    /// of a residual of energy E is at most sqrt(6E/N) (Cauchy-Schwarz, with Σw = N/2 and Σw² = 3N/8).
    /// A partial of amplitude b at a probe puts at least b²N/2 into that residual, so the bound is at least
    /// sqrt(3)·b: when it is below the lowest limit, no probe can reach its limit, and the answer is no
    /// without the check's passes. So it is for a key on a quiet line.
    private mutating func pairHasHarmonics(
        _ low: Tone, _ high: Tone, onset: Int64, during: Stretch
    ) -> Bool {
        let now = sampleCount
        let first = max(onset + Self.onsetGuardSamples, now - Self.harmonicSamples, 0)
        let count = Int(now - first)
        guard count >= 64 else { return false }
        if count == during.count {
            let n = Double(count)
            let residual = during.residualEnergy
            let least = descriptor.limits.harmonicRatios.min() * during.amplitude.min()
            if (6 * residual / n).squareRoot() < least { return false }
        }
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

    /// The samples after a tone's estimated onset that its measurements leave out (2 ms).
    static let onsetGuardSamples: Int64 = 16
    /// The most samples since the onset that the harmonic test looks at (50 ms).
    static let harmonicSamples: Int64 = 400
}
