// MARK: - Tier A: a clean pair over 22.5 ms

// A key on a clean line or in white noise: both tones steady over the short window, well above the other
// bins of their groups, within `cleanFrequencyTolerance` of their frequencies, and together most of the window's energy
// (less when what is left is white). Then the onset (`changePoint`), which also confirms the pair lasts
// to the present, and the harmonic-lock veto when the pair is not nearly pure.

extension DTMFDetector {
    /// Tier A: the 22.5 ms window, for clean signals and white noise.
    mutating func tierA(
        _ lanes: (row: Int, column: Int), _ sums: (power: SIMD8<Float>, energy: Double, lag: Double)
    )
        -> Hit?
    {
        let c = descriptor.configuration
        let count = Self.windowSubBlocks
        let now = sampleCount
        // After digital silence (exact zeros, as between the keys of many sources) a tone younger than
        // the minimum is rejected on the samples alone: when every sample of the change-point search up
        // to `exitAfter` (see `changePoint`) is 0, every gain there is -s² ≤ 0, so the search's run
        // restarts at exitAfter + 1, inside its early-exit window, and its answer is nil whatever the
        // model. At most keys' onsets the first try comes a sub-block too early (the tone 164-179
        // samples old) and ends here, before the lane values, offsets and model. Cost elsewhere: one
        // `SIMD4<Float>` test, or a few dozen on silence.
        let span: Int64 = 240
        let exitAfter = now - descriptor.limits.minimumToneSamples
        let searchStart = max(now - span, 0)
        if exitAfter >= searchStart && isDigitalSilence(from: searchStart, through: exitAfter) { return nil }
        guard Self.groupMarginRatio(lanes, sums.power) >= descriptor.limits.marginRatio,
            frequencyPlausible(
                lane: lanes.row, count: count, half: 4, cosine: descriptor.limits.plausibleCosine[lanes.row]),
            frequencyPlausible(
                lane: lanes.column, count: count, half: 4, cosine: descriptor.limits.plausibleCosine[lanes.column])
        else { return nil }
        // The fits first, then the change point: every check is a pure function of the same inputs, so
        // the order does not change which windows pass, only what a rejection costs. A fit costs two lane
        // reads, a cos and a sin and nine complex multiply-adds; the change point a model and up to 240
        // samples of gains; and over speech and music most windows that get this far fail the fits. The
        // frequency deviation, known with the offsets, is checked first of all, and the low tone's own
        // limits before the high tone is fitted.
        let row = laneValues(lanes.row, count: count), column = laneValues(lanes.column, count: count)
        let rowDirect = Self.directOffset(row, count: count, half: 4)
        let columnDirect = Self.directOffset(column, count: count, half: 4)
        guard
            Self.deviation(lanes, rowDirect, columnDirect, descriptor.bank.frequencies)
                <= min(c.cleanFrequencyTolerance, c.frequencyTolerance),
            let lowFit = fitTone(
                lane: lanes.row, count: count, half: 4, resolveAmbiguity: false, quarters: false,
                rejectShifted: false, y: row, direct: rowDirect),
            lowFit.tone.amplitude >= descriptor.limits.minimumAmplitude,
            lowFit.halves <= descriptor.limits.stabilityRatio,
            let highFit = fitTone(
                lane: lanes.column, count: count, half: 4, resolveAmbiguity: false, quarters: false,
                rejectShifted: false, y: column, direct: columnDirect)
        else { return nil }
        let m = measurePair(lanes, sums, count: count, low: lowFit, high: highFit)
        guard m.low.tone.amplitude >= descriptor.limits.minimumAmplitude,
            m.high.tone.amplitude >= descriptor.limits.minimumAmplitude,
            descriptor.limits.twistRange.contains(m.twist),
            m.deviation <= min(c.cleanFrequencyTolerance, c.frequencyTolerance),
            max(m.low.halves, m.high.halves) <= descriptor.limits.stabilityRatio
        else { return nil }
        let white =
            abs(m.residualCorrelation) <= c.whiteResidualCorrelation
            && descriptor.limits.whiteTwistRange.contains(m.twist)
        guard m.purity >= (white ? c.whiteNoisePurity : c.purity) else { return nil }
        // Outside white noise, the weaker tone must stand out of what else the window holds: a clean
        // pair with a strong twist whose weak tone is smaller than the rest is a loud note with a
        // partial beside it, not a key.
        if !white {
            let weaker = min(m.low.tone.amplitude, m.high.tone.amplitude)
            let weakerShare = weaker * weaker / 2 * Double(count * Self.subBlockLength) / sums.energy
            guard weakerShare >= descriptor.limits.weakerToneRatio * (1 - m.purity) else { return nil }
        }
        // The change point needs only the two frequencies, which are `fitTone`'s own first step (tier A
        // does not resolve the ambiguity, so they are the fits' offsets). The search also confirms that
        // the pair lasts to the present: a 20 ms tone ends inside the window.
        let low = Tone(lane: lanes.row, offsetHz: rowDirect, amplitude: 0)
        let high = Tone(lane: lanes.column, offsetHz: columnDirect, amplitude: 0)
        let model = subBlockModel(low, high, fitEnd: now, count: 120)
        guard
            let onset = changePoint(
                model, fitStart: now - 120, span: Int(span), now: now,
                minimumLength: descriptor.limits.minimumToneSamples,
                wholeSubBlocks: true)
        else { return nil }
        // Two harmonics of one voice can be as clean as a key over 22.5 ms: the same veto as tier L's,
        // when there is a residual to look at (a clean key's is only its model error and rounding,
        // which is periodic with the tones themselves).
        if m.purity < 0.9,
            harmonicLock(
                m.low.tone, m.high.tone, count: count * Self.subBlockLength, now: now, cosine: c.cleanHarmonicCosine)
        {
            return nil
        }
        let digit = DTMFDigit(row: lanes.row, column: lanes.column - 4)
        return Hit(
            digit: digit, onset: onset, low: m.low.tone, high: m.high.tone, window: count,
            evidence: m.purity >= c.purity ? .clean : .noise)
    }

    /// Whether every sample from `first` through `last` is exactly 0 (`first` a multiple of four, the range
    /// within the history). Stops at the first four samples that are not all 0.
    private mutating func isDigitalSilence(from first: Int64, through last: Int64) -> Bool {
        assert(first & 3 == 0 && sampleCount - first <= Int64(Self.historyCapacity))
        let mask = Self.historyCapacity - 1
        return history.withUnsafeBufferPointer { history in
            let base = UnsafeRawPointer(history.baseAddress!)
            var sample = first
            // Fours from a multiple of four never straddle the end of the ring.
            while sample &+ 3 <= last {
                let four = base.loadUnaligned(
                    fromByteOffset: Int(truncatingIfNeeded: sample) & mask &* MemoryLayout<Float>.stride,
                    as: SIMD4<Float>.self)
                if any(four .!= 0) { return false }
                sample &+= 4
            }
            while sample <= last {
                if history[Int(truncatingIfNeeded: sample) & mask] != 0 { return false }
                sample &+= 1
            }
            return true
        }
    }
}
