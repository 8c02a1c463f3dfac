import RealModule

// MARK: - Tone fitting: one tone, and a pair, over a window

// A tone is measured from its lane's sub-block values alone: its frequency offset from the phase advance
// between the window's first and last parts, then its amplitude from the values de-rotated by that
// offset, and the amplitudes of the window's halves and quarters (is it steady?). A pair adds what
// needs both tones: purity, twist, deviation and the residual's lag-1 correlation. Both tiers use these.

extension DTMFDetector {
    /// One fitted tone: its lane, frequency offset and amplitude.
    struct Tone: Sendable {
        var lane: Int
        /// Offset from nominal, Hz.
        var offsetHz: Double
        /// Peak amplitude, 16-bit units.
        var amplitude: Double
        var frequency: Double { Double(DTMFDetector.bank.frequencies[lane]) + offsetHz }
        /// The de-rotation of consecutive sub-blocks at this tone's offset.
        var subBlockRotation: Rotation {
            Rotation(
                stepRadians: -2 * Double.pi * offsetHz * Double(DTMFDetector.subBlockLength)
                    / Double(DTMFDetector.sampleRate))
        }
        var levelDBm0: Double { Level.dBm0(rms: amplitude / 2.0.squareRoot()) }
    }

    /// A cheap necessary condition on a lane's frequency: the phase advance between the window's first
    /// and last `half` sub-blocks is within `cosine` (`Limits.plausibleCosine`, the tolerance plus 20 %)
    /// of none. `fitTone` measures the same offset and more; this spares it for the many speech windows
    /// whose frequency is off.
    ///
    /// The advance is judged by its cosine, x ≥ cos θ·|z| for z = x + jy, not by an arc tangent. (An
    /// advance of ±2π, one ambiguity step, cannot be told from none here; when θ < π no advance near it
    /// is measurable, and when θ ≥ π every advance passes.) Cost: 2·`half` lane reads and one square root.
    mutating func frequencyPlausible(lane: Int, count: Int, half: Int, cosine: Double) -> Bool {
        var aRe: Float = 0, aIm: Float = 0, bRe: Float = 0, bIm: Float = 0
        withRing { ring in
            let first = ring.newest &- count &+ 1, lateFirst = ring.newest &- half &+ 1
            for index in 0..<half {
                let early = ring.lane(lane, first &+ index), late = ring.lane(lane, lateFirst &+ index)
                aRe += early.re; aIm += early.im
                bRe += late.re; bIm += late.im
            }
        }
        let x = Double(bRe * aRe + bIm * aIm), y = Double(bIm * aRe - bRe * aIm)
        return x >= cosine * (x * x + y * y).squareRoot()
    }

    /// One lane's complex values over a window, oldest first (at most `longWindowSubBlocks` used), in
    /// fixed-size storage: a `SIMD16<Double>` indexed by a variable goes through the stack on every store.
    ///
    /// Read and written by address (`withValues`, `laneValues`): indexing an `InlineArray` copies the
    /// whole 128-byte array to the stack on every read.
    struct LaneSeries {
        var re = InlineArray<16, Double>(repeating: 0)
        var im = InlineArray<16, Double>(repeating: 0)

        /// The values of a `LaneSeries`, read by address.
        struct Values {
            let base: UnsafeRawPointer
            static let imOffset = MemoryLayout<LaneSeries>.offset(of: \.im)!
            @inline(__always) func re(_ index: Int) -> Double {
                base.load(fromByteOffset: index &* MemoryLayout<Double>.stride, as: Double.self)
            }
            @inline(__always) func im(_ index: Int) -> Double {
                base.load(fromByteOffset: Self.imOffset &+ index &* MemoryLayout<Double>.stride, as: Double.self)
            }
        }

        /// Calls `body` with the values, read in place.
        @inline(__always)
        func withValues<Result>(_ body: (Values) -> Result) -> Result {
            withUnsafeBytes(of: self) { body(Values(base: $0.baseAddress!)) }
        }
    }

    /// The lane's values over the newest `count` sub-blocks, oldest first, read once from the ring.
    mutating func laneValues(_ lane: Int, count: Int) -> LaneSeries {
        var y = LaneSeries()
        let targetIm = MemoryLayout<LaneSeries>.offset(of: \.im)!
        withRing { ring in
            let oldest = ring.newest &- count &+ 1
            withUnsafeMutableBytes(of: &y) { target in
                for index in 0..<count {
                    let value = ring.lane(lane, oldest &+ index)
                    let at = index &* MemoryLayout<Double>.stride
                    target.storeBytes(of: Double(value.re), toByteOffset: at, as: Double.self)
                    target.storeBytes(of: Double(value.im), toByteOffset: targetIm &+ at, as: Double.self)
                }
            }
        }
        return y
    }

    /// The frequency offset, Hz, from the phase advance between the first and last `half` of `count`
    /// sub-block values (oldest first). `fitTone` starts from it; tier A also uses it alone, before
    /// `fitTone`, to place the change-point model: both get the same bits.
    @inline(__always)
    static func directOffset(_ y: LaneSeries, count: Int, half: Int) -> Double {
        var aRe = 0.0, aIm = 0.0, bRe = 0.0, bIm = 0.0
        y.withValues { y in
            for index in 0..<half {
                aRe += y.re(index); aIm += y.im(index)
                bRe += y.re(count - half + index); bIm += y.im(count - half + index)
            }
        }
        let separation = Double(count - half) * Double(subBlockLength)
        let advance = Double.atan2(y: bIm * aRe - bRe * aIm, x: bRe * aRe + bIm * aIm)
        return advance * Double(sampleRate) / (2 * .pi * separation)
    }

    /// One tone measured over a window of `count` sub-blocks.
    struct ToneFit {
        var tone: Tone
        /// The ratio (at least 1) between the amplitudes of the window's two halves; infinite when one is 0.
        var halves: Double
        /// The largest ratio between a quarter's mean amplitude and the mean of the quarters, either way
        /// (tier L); infinite when a quarter is 0, and when the quarters were not asked for.
        var quarters: Double
    }

    /// The de-rotated sums of one lane over a window: all of it, its first and last `half` sub-blocks,
    /// and its quarters.
    struct DerotatedSums {
        var re = -0.0, im = -0.0
        var earlyRe = 0.0, earlyIm = 0.0, lateRe = 0.0, lateIm = 0.0
        var quartersRe = SIMD4<Double>(), quartersIm = SIMD4<Double>()
        var power: Double { re * re + im * im }
    }

    /// Measures one lane over the newest `count` sub-blocks: the frequency offset from the phase advance
    /// between the first and last `half` sub-blocks; with `resolveAmbiguity`, the offset ± one
    /// ambiguity step whose de-rotated sum is largest; then amplitude, halves and (with `quarters`)
    /// quarters.
    ///
    /// `y` are the lane's `laneValues` and `direct` their `directOffset`, computed by the caller (tier A
    /// needs them before the fits, for the change point).
    ///
    /// With `rejectShifted` the caller has established that a shifted offset fails its frequency limit
    /// (`Limits.shiftFailsInterferedDeviation`): when one wins the answer is nil, and the winner's halves
    /// and quarters are not measured. Otherwise the answer is never nil.
    ///
    /// Cost: per candidate offset a cos and a sin. One candidate: `count` complex multiply-adds. Three
    /// (`resolveAmbiguity`): one pass of `SIMD4<Double>` complex multiply-adds over the values for all
    /// three (`derotatedCandidates`), and a second single pass only when a shifted offset wins and
    /// `rejectShifted` is off. A logarithm-free comparison of the halves and quarters (the callers
    /// compare ratios).
    mutating func fitTone(
        lane: Int, count: Int, half: Int, resolveAmbiguity: Bool, quarters: Bool, rejectShifted: Bool,
        y: LaneSeries, direct: Double
    ) -> ToneFit? {
        let l = Double(Self.subBlockLength)
        let rate = Double(Self.sampleRate)
        let ambiguity = rate / (Double(count - half) * l)
        let quarterEnds = Self.quarterBoundaries(count)

        /// The sums of the sub-blocks de-rotated by `offsetHz`, added in time order, the whole sum from -0
        /// (the identity of addition): the arithmetic of `derotatedCandidates`, so that an offset gives
        /// the same bits either way.
        func derotated(_ offsetHz: Double) -> DerotatedSums {
            var rotation = Rotation(stepRadians: -2 * Double.pi * offsetHz * l / rate)
            var sums = DerotatedSums()
            y.withValues { y in
                var quarter = 0
                for index in 0..<count {
                    let (c, s) = rotation.next()
                    let re = y.re(index) * c - y.im(index) * s, im = y.re(index) * s + y.im(index) * c
                    sums.re += re
                    sums.im += im
                    if index < half { sums.earlyRe += re; sums.earlyIm += im }
                    if index >= count - half { sums.lateRe += re; sums.lateIm += im }
                    if quarters {
                        while index >= quarterEnds[quarter] { quarter += 1 }
                        sums.quartersRe[quarter] += re
                        sums.quartersIm[quarter] += im
                    }
                }
            }
            return sums
        }

        var offsetHz = direct
        var sums: DerotatedSums
        if resolveAmbiguity {
            // The candidates in a fixed order: direct, then direct - ambiguity, then direct + ambiguity,
            // each replacing the best so far only when strictly larger (a tie keeps the earlier one).
            let candidates = Self.derotatedCandidates(
                y, count: count, half: half, quarterEnds: quarterEnds, direct: direct, ambiguity: ambiguity)
            sums = candidates.direct
            var best = sums.power
            var winner = 0.0
            if candidates.minusPower > best {
                best = candidates.minusPower
                winner = -ambiguity
            }
            if candidates.plusPower > best { winner = ambiguity }
            if winner != 0 {
                if rejectShifted { return nil }
                offsetHz = direct + winner
                sums = derotated(offsetHz)
            }
        } else {
            sums = derotated(direct)
        }
        let n = Double(count) * l
        let amplitude = 2 * sums.power.squareRoot() / n
        let early = (sums.earlyRe * sums.earlyRe + sums.earlyIm * sums.earlyIm).squareRoot()
        let late = (sums.lateRe * sums.lateRe + sums.lateIm * sums.lateIm).squareRoot()
        let halves = early > 0 && late > 0 ? max(early / late, late / early) : .infinity
        var spread = Double.infinity
        if quarters {
            var lengths = SIMD4<Double>()
            var previousEnd = 0
            for q in 0..<4 {
                lengths[q] = Double(quarterEnds[q] - previousEnd)
                previousEnd = quarterEnds[q]
            }
            let means =
                (sums.quartersRe * sums.quartersRe + sums.quartersIm * sums.quartersIm).squareRoot() / lengths
            let mean = means.sum() / 4
            if mean > 0 && means.min() > 0 { spread = max(means.max() / mean, mean / means.min()) }
        }
        return ToneFit(
            tone: Tone(lane: lane, offsetHz: offsetHz, amplitude: amplitude), halves: halves, quarters: spread)
    }

    /// The de-rotated sums of `y` at `direct` (with early, late and quarter sums) and the powers of the
    /// whole sums at `direct - ambiguity` and `direct + ambiguity`, in one pass: the three offsets are
    /// lanes 0, 1 and 2 of `SIMD4<Double>` rotations (lane 3 idle), so the values are loaded once.
    ///
    /// Each lane does the arithmetic of `fitTone`'s one-offset loop (the same cos and sin, the same
    /// recurrence, the same sums in the same order), so every sum has the same bits. The quarter sums are
    /// formed quarter by quarter in scalars, each from +0 as in that loop's vector of quarters.
    @inline(__always)
    static func derotatedCandidates(
        _ y: LaneSeries, count: Int, half: Int, quarterEnds: SIMD4<Int>, direct: Double, ambiguity: Double
    ) -> (direct: DerotatedSums, minusPower: Double, plusPower: Double) {
        let l = Double(subBlockLength), rate = Double(sampleRate)
        let offsets = SIMD3(direct, direct - ambiguity, direct + ambiguity)
        var stepCos = SIMD4<Double>(1, 1, 1, 1), stepSin = SIMD4<Double>()
        for k in 0..<3 {
            let step = -2 * Double.pi * offsets[k] * l / rate
            stepCos[k] = Double.cos(step)
            stepSin[k] = Double.sin(step)
        }
        var c = SIMD4<Double>(repeating: 1), s = SIMD4<Double>()
        var wholeRe = SIMD4<Double>(repeating: -0.0), wholeIm = SIMD4<Double>(repeating: -0.0)
        var d = DerotatedSums()
        var quartersRe = InlineArray<4, Double>(repeating: 0), quartersIm = InlineArray<4, Double>(repeating: 0)
        y.withValues { y in
            var index = 0
            for quarter in 0..<4 {
                let end = quarterEnds[quarter]
                var quarterRe = 0.0, quarterIm = 0.0
                while index < end {
                    let yRe = SIMD4(repeating: y.re(index)), yIm = SIMD4(repeating: y.im(index))
                    let re = yRe * c - yIm * s, im = yRe * s + yIm * c
                    wholeRe += re
                    wholeIm += im
                    if index < half { d.earlyRe += re[0]; d.earlyIm += im[0] }
                    if index >= count - half { d.lateRe += re[0]; d.lateIm += im[0] }
                    quarterRe += re[0]
                    quarterIm += im[0]
                    (c, s) = (c * stepCos - s * stepSin, c * stepSin + s * stepCos)
                    index += 1
                }
                quartersRe[quarter] = quarterRe
                quartersIm[quarter] = quarterIm
            }
        }
        d.quartersRe = SIMD4(quartersRe[0], quartersRe[1], quartersRe[2], quartersRe[3])
        d.quartersIm = SIMD4(quartersIm[0], quartersIm[1], quartersIm[2], quartersIm[3])
        d.re = wholeRe[0]
        d.im = wholeIm[0]
        let power = wholeRe * wholeRe + wholeIm * wholeIm
        return (d, power[1], power[2])
    }

    /// Where each of four nearly equal parts of `count` sub-blocks ends (larger parts first).
    static func quarterBoundaries(_ count: Int) -> SIMD4<Int> {
        let base = count / 4, extra = count % 4
        var ends = SIMD4<Int>(), end = 0
        for q in 0..<4 {
            end += base + (extra > q ? 1 : 0)
            ends[q] = end
        }
        return ends
    }

    /// The least power ratio of the chosen row over the other rows and of the chosen column over the
    /// other columns, from the window's bin powers (compared with `Limits.marginRatio` and its kin).
    static func groupMarginRatio(_ lanes: (row: Int, column: Int), _ power: SIMD8<Float>) -> Double {
        var marginRatio = Double.infinity
        for lane in 0..<8 where lane != lanes.row && lane != lanes.column {
            let chosen = lane < 4 ? power[lanes.row] : power[lanes.column]
            marginRatio = min(marginRatio, Double(chosen) / max(Double(power[lane]), 1e-9))
        }
        return marginRatio
    }

    /// The measurements both tiers share. Levels are compared as ratios (see `Limits`).
    struct PairMeasurement {
        var low: ToneFit
        var high: ToneFit
        var purity: Double
        /// The high tone's amplitude over the low tone's.
        var twist: Double
        var deviation: Double
        var residualCorrelation: Double
    }

    /// The pair measurements of the two fitted tones over the window whose sums are `sums`.
    mutating func measurePair(
        _ lanes: (row: Int, column: Int), _ sums: (power: SIMD8<Float>, energy: Double, lag: Double), count: Int,
        low: ToneFit, high: ToneFit
    ) -> PairMeasurement {
        let n = Double(count * Self.subBlockLength)
        let lowEnergy = low.tone.amplitude * low.tone.amplitude / 2 * n
        let highEnergy = high.tone.amplitude * high.tone.amplitude / 2 * n
        // cos ω of both tones at once (`sinCos`, to ~1e-15; cheaper than two libm calls).
        let cosines = sinCos(2 * .pi * SIMD2(low.tone.frequency, high.tone.frequency) / Double(Self.sampleRate)).cos
        let residualLag = sums.lag - lowEnergy * cosines[0] - highEnergy * cosines[1]
        let residualEnergy = max(sums.energy - lowEnergy - highEnergy, 1e-9)
        return PairMeasurement(
            low: low, high: high, purity: (lowEnergy + highEnergy) / sums.energy,
            twist: high.tone.amplitude / low.tone.amplitude,
            deviation: Self.deviation(lanes, low.tone.offsetHz, high.tone.offsetHz, descriptor.bank.frequencies),
            residualCorrelation: residualLag / residualEnergy)
    }

    /// The larger of the two tones' frequency deviations, as fractions of their nominal frequencies.
    /// (`frequencies` is the bank's: the receiver's copy, not the `static let`, whose every read is a
    /// `swift_once` check.)
    @inline(__always)
    static func deviation(
        _ lanes: (row: Int, column: Int), _ lowOffsetHz: Double, _ highOffsetHz: Double, _ frequencies: SIMD8<Float>
    ) -> Double {
        max(abs(lowOffsetHz) / Double(frequencies[lanes.row]), abs(highOffsetHz) / Double(frequencies[lanes.column]))
    }
}
