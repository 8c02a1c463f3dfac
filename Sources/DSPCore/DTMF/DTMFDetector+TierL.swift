import RealModule

// MARK: - Tier L: a pair over speech or music, over 35 ms

// A key pressed while someone speaks or music plays: the longer window resolves the tones from what
// sounds with them. The frequency and stability limits are tighter than tier A's, the purity bar depends
// on what is left (speech-like or not), and a second path takes a key at the level of speech, judged on
// the first difference of the signal. Then the harmonic-lock veto, and the onset (`changePoint`), which
// asks for 36 ms of tone.

extension DTMFDetector {
    /// Tier L: the 35 ms window, for a pair over speech or music.
    mutating func tierL(
        _ lanes: (row: Int, column: Int), _ sums: (power: SIMD8<Float>, energy: Double, lag: Double)
    ) -> Hit? {
        let c = descriptor.configuration
        let count = Self.longWindowSubBlocks
        let margin = Self.groupMarginRatio(lanes, sums.power)
        guard margin >= descriptor.limits.interferedGateMarginRatio,
            frequencyPlausible(
                lane: lanes.row, count: count, half: count / 2,
                cosine: descriptor.limits.interferedPlausibleCosine[lanes.row]),
            frequencyPlausible(
                lane: lanes.column, count: count, half: count / 2,
                cosine: descriptor.limits.interferedPlausibleCosine[lanes.column])
        else { return nil }
        let half = count / 2
        let row = laneValues(lanes.row, count: count), column = laneValues(lanes.column, count: count)
        let rowDirect = Self.directOffset(row, count: count, half: half)
        let columnDirect = Self.directOffset(column, count: count, half: half)
        // Necessary conditions, checked before the fits they would otherwise wait for:
        // - the frequency deviation. When a shifted offset (direct ± one ambiguity step) fails the limit
        //   (`Limits.shiftFailsInterferedDeviation`), a passing tone keeps its direct offset, so the
        //   deviation is that of the direct offsets; and a fit whose shifted offset wins is rejected
        //   (`rejectShifted`), without measuring the other tone;
        // - the low tone alone: its amplitude, and halves and quarters within the looser of the two paths'
        //   limits (the pair's are the larger of the two tones').
        let shiftFails = descriptor.limits.shiftFailsInterferedDeviation
        let tolerance = min(c.interferedFrequencyTolerance, c.frequencyTolerance)
        guard !shiftFails || Self.deviation(lanes, rowDirect, columnDirect, descriptor.bank.frequencies) <= tolerance,
            let lowFit = fitTone(
                lane: lanes.row, count: count, half: half, resolveAmbiguity: true, quarters: true,
                rejectShifted: shiftFails, y: row, direct: rowDirect),
            lowFit.tone.amplitude >= descriptor.limits.minimumAmplitude,
            lowFit.halves
                <= max(descriptor.limits.interferedStabilityRatio, descriptor.limits.speechPathStabilityRatio),
            lowFit.quarters <= max(descriptor.limits.interferedQuarterRatio, descriptor.limits.speechPathQuarterRatio),
            let highFit = fitTone(
                lane: lanes.column, count: count, half: half, resolveAmbiguity: true, quarters: true,
                rejectShifted: shiftFails, y: column, direct: columnDirect)
        else { return nil }
        let m = measurePair(lanes, sums, count: count, low: lowFit, high: highFit)
        let speechLike = m.residualCorrelation >= c.speechResidualCorrelation
        guard m.low.tone.amplitude >= descriptor.limits.minimumAmplitude,
            m.high.tone.amplitude >= descriptor.limits.minimumAmplitude,
            m.deviation <= tolerance,
            descriptor.limits.interferedTwistRange.contains(m.twist)
        else { return nil }
        let halves = max(m.low.halves, m.high.halves)
        let quarters = max(m.low.quarters, m.high.quarters)
        let passes =
            m.purity >= (speechLike ? c.interferedPurity : c.interferedOtherPurity)
            && margin >= descriptor.limits.marginRatio && halves <= descriptor.limits.interferedStabilityRatio
            && quarters <= descriptor.limits.interferedQuarterRatio
        var speechPath = false
        if !passes {
            // The purity of the first difference x[n] - x[n-1]: its energy is 2E - 2R1 over the window,
            // and a tone's share is multiplied by 2 - 2cos ω.
            let n = Double(count * Self.subBlockLength)
            let rate = Double(Self.sampleRate)
            let lowEnergy = m.low.tone.amplitude * m.low.tone.amplitude / 2 * n
            let highEnergy = m.high.tone.amplitude * m.high.tone.amplitude / 2 * n
            let differenced =
                lowEnergy * (2 - 2 * Double.cos(2 * .pi * m.low.tone.frequency / rate))
                + highEnergy * (2 - 2 * Double.cos(2 * .pi * m.high.tone.frequency / rate))
            let differencedPurity = differenced / max(2 * sums.energy - 2 * sums.lag, 1e-9)
            speechPath =
                speechLike && differencedPurity >= c.speechPathPurity
                && margin >= descriptor.limits.speechPathMarginRatio
                && halves <= descriptor.limits.speechPathStabilityRatio
                && quarters <= descriptor.limits.speechPathQuarterRatio
            guard speechPath else { return nil }
        }
        let now = sampleCount
        let fit = count * Self.subBlockLength
        if harmonicLock(
            m.low.tone, m.high.tone, count: fit, now: now,
            cosine: speechPath ? c.speechPathHarmonicCosine : c.harmonicCosine)
        {
            return nil
        }
        let model = subBlockModel(m.low.tone, m.high.tone, fitEnd: now, count: fit)
        guard
            let onset = changePoint(
                model, fitStart: now - Int64(fit), span: 400, now: now,
                minimumLength: descriptor.limits.interferedMinimumToneSamples, wholeSubBlocks: false)
        else { return nil }
        return Hit(
            digit: DTMFDigit(row: lanes.row, column: lanes.column - 4), onset: onset, low: m.low.tone,
            high: m.high.tone, window: count, evidence: speechPath ? .speech : .interfered)
    }
}
