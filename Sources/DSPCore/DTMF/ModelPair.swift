// MARK: - The two-tone model

// The onset and release searches compare the samples with a model of the pair: two sinusoids at the
// fitted frequencies, with the amplitudes and phases that fit a stretch of the history best. The fit is
// made from the sub-block values in the ring (`subBlockModel`) or, for a stretch the ring does not hold,
// from the samples (`ModelPair.init(low:high:history:fitStart:count:)`).

extension DTMFDetector {
    /// The two-tone model fitted on the `count` samples that end at `fitEnd` (a sub-block end, at most
    /// `ringCapacity` sub-blocks back), from the sub-block values in the ring rather than the samples.
    ///
    /// Sub-block j (first sample n_j = L·j) holds Y_j = r_j·Σ_i x[n_j + i]·e^{jω₀(L-1-i)}, r_j the
    /// bank's reference rotation and ω₀ the lane's nominal frequency. The model's fit at ω = ω₀ + Δ over
    /// the same samples is X = Σ x[n]·e^{-jω(n - fitStart)}. Inside each sub-block the leftover rotation
    /// e^{-jΔi} is replaced by its effect on the tone itself (exact for a tone at ω), which gives
    ///   X = L·sin(Δ/2)/sin(LΔ/2) · e^{-j(ω₀(L-1) + ω₀L(M-J₀) + Δ(L-1)/2)} · r̄_M · Σ_q e^{-jΔLq}·Y_{J₀+q}
    /// with J₀ the first fitted sub-block and M the next one, whose reference r_M is the filters' own:
    /// the slow drift of the `Float` reference cancels. Then a = 2X / count, as the fit on the samples
    /// has it.
    ///
    /// Cost: per sub-block one `SIMD2<Double>` complex multiply-add and rotation (both tones at once),
    /// and four `sinCos` pairs (a fit on the samples takes `count / 2` dependent Goertzel steps).
    mutating func subBlockModel(_ low: Tone, _ high: Tone, fitEnd: Int64, count: Int) -> ModelPair {
        let l = Self.subBlockLength
        let blocks = count / l
        let firstBlock = Int(fitEnd / Int64(l)) - blocks
        let next = Int(subBlockCount)
        precondition(count % l == 0 && fitEnd % Int64(l) == 0 && next - firstBlock <= Self.ringCapacity)
        let rate = Double(Self.sampleRate)
        let nominal =
            2 * Double.pi
            * SIMD2(Double(descriptor.bank.frequencies[low.lane]), Double(descriptor.bank.frequencies[high.lane]))
            / rate
        let omega = 2 * Double.pi * SIMD2(low.frequency, high.frequency) / rate
        let delta = omega - nominal
        // W = Σ_q e^{-jΔLq}·Y_{J₀+q}, the rotation by recurrence; the ring read by address, once.
        let step = smallSinCos(-delta * Double(l))
        var wRe = SIMD2<Double>(), wIm = SIMD2<Double>()
        let lanes = (low.lane, high.lane)
        withRing { ring in
            var cRe = SIMD2<Double>(repeating: 1), cIm = SIMD2<Double>()
            for q in 0..<blocks {
                let (yRe, yIm) = ring.lanes(lanes, firstBlock &+ q)
                wRe += yRe * cRe - yIm * cIm
                wIm += yRe * cIm + yIm * cRe
                (cRe, cIm) = (cRe * step.cos - cIm * step.sin, cRe * step.sin + cIm * step.cos)
            }
        }
        // The tone's loss inside a sub-block, L·sin(Δ/2)/sin(LΔ/2) = sinc(Δ/2)/sinc(LΔ/2) (sinc x = sin x / x),
        // by its Taylor series: |LΔ/2| ≤ 0.32 (the direct offset is within ±40 Hz), where the terms
        // left out are below 1e-11.
        @inline(__always) func sinc(_ x: SIMD2<Double>) -> SIMD2<Double> {
            let x2 = x * x
            var p = x2 * (1.0 / 362_880) - 1.0 / 5040
            p = p * x2 + 1.0 / 120
            p = p * x2 - 1.0 / 6
            return p * x2 + 1
        }
        let gain = sinc(delta / 2) / sinc(delta * Double(l) / 2)
        let phase = sinCos(
            -(nominal * Double(l - 1) + nominal * Double(l * (next - firstBlock)) + delta * Double(l - 1) / 2))
        let rRe = SIMD2(Double(goertzel.rotationRe[low.lane]), Double(goertzel.rotationRe[high.lane]))
        let rIm = SIMD2(Double(goertzel.rotationIm[low.lane]), Double(goertzel.rotationIm[high.lane]))
        // f = e^{-j(...)}·r̄_M.
        let fRe = phase.cos * rRe + phase.sin * rIm, fIm = phase.sin * rRe - phase.cos * rIm
        let scale = 2 / Double(count) * gain
        return ModelPair(
            omega: omega, aRe: scale * (wRe * fRe - wIm * fIm), aIm: scale * (wRe * fIm + wIm * fRe))
    }
}

/// The two tones of a candidate pair, each fitted on the same stretch of the history, then generated
/// sample by sample or four samples at a time.
///
/// Each fit gives a tone's complex amplitude a (x[n] ≈ Re(a·e^{jω(n - fitStart)})) at its measured
/// frequency over the stretch: from the ring's sub-block values (`DTMFDetector.subBlockModel`) or by a
/// Goertzel filter over the samples (`init(low:high:history:fitStart:count:)`). The model is then
/// produced by a real recursion, s[n] = 2cos ω·s[n-1] - s[n-2] (`next`) or s[n+4] = 2cos 4ω·s[n] - s[n-4]
/// (`quads`).
///
/// The two tones are the two lanes of a `SIMD2<Double>` (low, high): the fit reads each sample once
/// for both filters. The model only places onsets and ends (where a run of samples gains from
/// subtracting it), so it needs to be accurate, not bit-for-bit reproducible: the sines and cosines
/// come from `sinCos` (≈1e-15), not libm.
struct ModelPair {
    private var current = SIMD2<Double>(), previous = SIMD2<Double>()
    private var aRe = SIMD2<Double>(), aIm = SIMD2<Double>()
    private var omega = SIMD2<Double>()
    private var cosOmega = SIMD2<Double>(), sinOmega = SIMD2<Double>()
    private var coefficient = SIMD2<Double>()

    /// A model with the complex amplitudes `aRe + j·aIm` at `omega` (radians per sample), referenced
    /// to the fit's first sample.
    init(omega: SIMD2<Double>, aRe: SIMD2<Double>, aIm: SIMD2<Double>) {
        self.omega = omega
        (sinOmega, cosOmega) = sinCos(omega)
        coefficient = 2 * cosOmega
        self.aRe = aRe
        self.aIm = aIm
    }

    /// Fits both tones on the `count` samples from `fitStart`.
    ///
    /// Cost: one pass of `goertzelPair` and a `sinCos` pair.
    init(
        low: DTMFDetector.Tone, high: DTMFDetector.Tone, history: UnsafeBufferPointer<Float>, fitStart: Int64,
        count: Int
    ) {
        omega = 2 * Double.pi * SIMD2(low.frequency, high.frequency) / Double(DTMFDetector.sampleRate)
        (sinOmega, cosOmega) = sinCos(omega)
        coefficient = 2 * cosOmega
        let sums = goertzelPair(history, first: fitStart, count: count, omega: omega)
        aRe = 2 * sums.re / Double(count)
        aIm = 2 * sums.im / Double(count)
    }

    /// Positions `next` at `sample`, counted on the same axis as `reference` (the fit's first sample).
    mutating func seek(to sample: Int64, reference: Int64) {
        let (s, c) = sinCos(omega * Double(sample - reference))
        // Re(a e^{jωk}) at k = offset and k = offset - 1.
        current = aRe * c - aIm * s
        let cBack = c * cosOmega + s * sinOmega, sBack = s * cosOmega - c * sinOmega
        previous = aRe * cBack - aIm * sBack
    }

    /// The model's value (the two tones' sum) at the current sample; advances by one.
    @inline(__always)
    mutating func next() -> Double {
        let value = current
        current = coefficient * current - previous
        previous = value
        return value[0] + value[1]
    }

    /// A generator of the model four samples at a time from `sample` (on the axis of `reference`).
    ///
    /// Cost: one `sinCos` pair and a few dozen operations; then per four samples one `SIMD8<Double>`
    /// multiply and subtract.
    func quads(from sample: Int64, reference: Int64) -> Quads {
        // e^{jωk} for k = offset - 4 ... offset + 3, by rotation from the first.
        let (s, c) = sinCos(omega * Double(sample - reference - 4))
        // cos 4ω by the double angle, twice.
        let c2 = 2 * cosOmega * cosOmega - 1
        let c4 = 2 * c2 * c2 - 1
        var re = c, im = s
        // The eight values in fixed-size storage, then gathered: inserting into a `SIMD8` by a variable
        // lane goes through the stack each time.
        var values = InlineArray<8, SIMD2<Double>>(repeating: SIMD2())
        for k in 0..<8 {
            values[k] = aRe * re - aIm * im
            (re, im) = (re * cosOmega - im * sinOmega, re * sinOmega + im * cosOmega)
        }
        let previous = SIMD8(
            values[0][0], values[1][0], values[2][0], values[3][0], values[0][1], values[1][1], values[2][1],
            values[3][1])
        let current = SIMD8(
            values[4][0], values[5][0], values[6][0], values[7][0], values[4][1], values[5][1], values[6][1],
            values[7][1])
        let low = 2 * c4.x, high = 2 * c4.y
        return Quads(
            current: current, previous: previous,
            coefficient: SIMD8(low, low, low, low, high, high, high, high))
    }

    /// Four consecutive samples of each tone (lanes 0-3 low, 4-7 high) and the four before them.
    struct Quads {
        var current: SIMD8<Double>
        var previous: SIMD8<Double>
        let coefficient: SIMD8<Double>

        /// The model (the two tones' sum) at the next four samples; advances by four.
        @inline(__always)
        mutating func next() -> SIMD4<Double> {
            let value = current
            current = coefficient * current - previous
            previous = value
            return value.lowHalf + value.highHalf
        }
    }
}

/// Over `count` samples of the history ring from `first`: the DFT values Z = Σ x[n]·e^{-jωn} (n counted
/// from `first`) at the two frequencies `omega` (radians per sample), and the samples' energy Σ x[n]².
///
/// A Goertzel filter per tone, two samples per step (the two-sample form of one filter, so that the chain
/// of dependent operations is one multiply-add per two samples):
///   s[n+1] = c·s[n] - s[n-1] + x1;  s[n+2] = (c² - 1)·s[n] - c·s[n-1] + c·x1 + x2,  c = 2cos ω.
/// A first sample at an odd place in the ring, and a last one left over, take a one-sample step, so that
/// a pair of samples never straddles the end of the ring (its capacity is even).
///
/// Cost: per two samples one `SIMD2<Float>` load and a few `SIMD2<Double>` multiply-adds; two `sinCos`
/// pairs.
@inline(__always)
func goertzelPair(
    _ history: UnsafeBufferPointer<Float>, first: Int64, count: Int, omega: SIMD2<Double>
) -> (re: SIMD2<Double>, im: SIMD2<Double>, energy: Double) {
    let (sinOmega, cosOmega) = sinCos(omega)
    let mask = DTMFDetector.historyCapacity - 1
    let c = 2 * cosOmega
    let pair = c * c - 1
    var s1 = SIMD2<Double>(), s2 = SIMD2<Double>()
    // Even and odd samples' energy in separate lanes: two independent chains of additions.
    var energy = SIMD2<Double>()
    var index = Int(truncatingIfNeeded: first) & mask
    var remaining = count
    @inline(__always) func single(_ sample: Float) {
        let x = Double(sample)
        energy[0] += x * x
        let next = (SIMD2(repeating: x) - s2) + c * s1
        s2 = s1
        s1 = next
    }
    if index & 1 == 1, remaining > 0 {
        single(history[index])
        index = (index &+ 1) & mask
        remaining -= 1
    }
    let base = UnsafeRawPointer(history.baseAddress!)
    for _ in 0..<(remaining / 2) {
        let x = SIMD2<Double>(
            base.loadUnaligned(fromByteOffset: index &* MemoryLayout<Float>.stride, as: SIMD2<Float>.self))
        energy += x * x
        let x1 = SIMD2(repeating: x[0]), x2 = SIMD2(repeating: x[1])
        let next = (x1 - s2) + c * s1
        let afterNext = (c * x1 + x2 - c * s2) + pair * s1
        s2 = next
        s1 = afterNext
        index = (index &+ 2) & mask
    }
    if remaining & 1 == 1 { single(history[index]) }
    // y = s1 - e^{-jω} s2 = Σ x[i] e^{jω(count-1-i)};  Z = e^{-jω(count-1)} y.
    let yRe = s1 - cosOmega * s2, yIm = sinOmega * s2
    let (s, cb) = sinCos(-omega * Double(count - 1))
    return (yRe * cb - yIm * s, yRe * s + yIm * cb, energy.sum())
}
