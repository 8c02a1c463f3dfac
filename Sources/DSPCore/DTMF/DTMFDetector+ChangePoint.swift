extension DTMFDetector {
    /// Finds where the fitted pair starts within the newest `span` samples: the stretch that gains most
    /// from subtracting the model (Kadane's maximum subarray of x² - (x - s)² = 2xs - s²), with `model`
    /// fitted on the samples from `fitStart` to now. Returns its first sample, or nil when the stretch
    /// does not reach the present (the pair has already stopped) or is shorter than `minimumLength`.
    ///
    /// With `wholeSubBlocks` a sub-block inside the run is stepped over whole (`prefixSummary`): worth it
    /// for tier A, whose run is clean tone; over speech (tier L) most sub-blocks fail the test, and the
    /// summary would be work spent twice.
    ///
    /// Early exit: when a run starts afresh at a sample t with now - minimumLength < t < now - 8, the
    /// answer is already nil. The best stretch either ends by t (before now - 8: it does not reach the
    /// present) or starts at t or later (too short). A tone younger than `minimumLength` restarts the
    /// run at its onset, so the scan stops there instead of running to the present.
    mutating func changePoint(
        _ model: ModelPair, fitStart: Int64, span: Int, now: Int64, minimumLength: Int64, wholeSubBlocks: Bool
    ) -> Int64? {
        let exitAfter = now - minimumLength, exitBefore = now - 8
        let start = max(now - Int64(span), 0)
        let count = Int(now - start)
        let history = self.history  // the same storage, not a copy of the samples
        let result = residual.withUnsafeMutableBufferPointer { gains -> (Int64, Int64)? in
            history.withUnsafeBufferPointer { history -> (Int64, Int64)? in
                var quads = model.quads(from: start, reference: fitStart)
                var best = -Double.infinity, current = 0.0
                var currentStart = 0, bestStart = 0, bestEnd = 0
                // exitAfter < sample < exitBefore as one unsigned comparison on the index.
                let exitAfterIndex = Int(exitAfter - start)
                let exitWindow = UInt(bitPattern: Int(exitBefore - exitAfter) &- 1)
                var i = 0
                // The gains one sub-block at a time, so that an early exit spares the rest. A sub-block
                // inside the run (no restart in it, and its end the only place the best can move to)
                // is taken whole from its prefix sums (`prefixSummary`), without the sample loop.
                while i < count {
                    let chunkEnd = min(i &+ Self.subBlockLength, count)
                    Self.fillGains(gains, from: i, to: chunkEnd, history: history, startSample: start, quads: &quads)
                    if wholeSubBlocks && current > 0 && chunkEnd &- i == Self.subBlockLength {
                        let q = Self.prefixSummary(gains, at: i)
                        if current + q.minimum > 0 && (q.sum > q.maximum || current + max(q.maximum, q.sum) <= best) {
                            current += q.sum
                            i = chunkEnd
                            if current > best {
                                best = current
                                bestStart = currentStart
                                bestEnd = i
                            }
                            continue
                        }
                    }
                    while i < chunkEnd {
                        let gain = gains[i]
                        if current <= 0 {
                            if UInt(bitPattern: i &- exitAfterIndex &- 1) < exitWindow { return nil }
                            current = gain
                            currentStart = i
                        } else {
                            current += gain
                        }
                        i &+= 1
                        if current > best {
                            best = current
                            bestStart = currentStart
                            bestEnd = i
                        }
                    }
                }
                return (start + Int64(bestStart), start + Int64(bestEnd))
            }
        }
        guard let (bestStart, bestEnd) = result, bestEnd >= now - 8, now - bestStart >= minimumLength else {
            return nil
        }
        return bestStart
    }

    /// The last sample of a released tone: a change point on the model near the last present window.
    mutating func releaseEnd(_ key: KeyState) -> Int64 {
        // The tracking window is 80 samples; a window still counts as present when it is about a third
        // full, so the tone ended up to ~55 samples before the last present window's end. Fit the pair
        // just before that and find where the best-matching run from there ends.
        let fitEnd = key.lastPresentSample - 60
        let fitCount = 80
        let fitStart = fitEnd - Int64(fitCount)
        guard fitStart >= key.onsetSample, sampleCount - fitStart < Int64(Self.historyCapacity) else {
            return max(key.lastPresentSample - 40, key.onsetSample)
        }
        let stop = min(key.lastPresentSample + 40, sampleCount)
        let count = Int(stop - fitStart)
        // The fit from the ring's sub-block values while they are there (a release longer than the
        // default can outlast the ring), else from the samples.
        let inRing = subBlockCount - fitStart / Int64(Self.subBlockLength) <= Int64(Self.ringCapacity)
        let fitted = inRing ? subBlockModel(key.tones.0, key.tones.1, fitEnd: fitEnd, count: fitCount) : nil
        let history = self.history  // the same storage, not a copy of the samples
        return residual.withUnsafeMutableBufferPointer { gains -> Int64 in
            history.withUnsafeBufferPointer { history in
                let model =
                    fitted
                    ?? ModelPair(
                        low: key.tones.0, high: key.tones.1, history: history, fitStart: fitStart, count: fitCount)
                var quads = model.quads(from: fitStart, reference: fitStart)
                Self.fillGains(gains, from: 0, to: count, history: history, startSample: fitStart, quads: &quads)
            }
            var best = -Double.infinity, current = 0.0, bestEnd = 0
            var i = 0
            while i < count {
                let blockEnd = min(i &+ Self.subBlockLength, count)
                // A whole sub-block at once when its end is the only place the best can move to.
                if blockEnd &- i == Self.subBlockLength {
                    let q = Self.prefixSummary(gains, at: i)
                    if q.sum > q.maximum || current + max(q.maximum, q.sum) <= best {
                        current += q.sum
                        i = blockEnd
                        if current > best {
                            best = current
                            bestEnd = i
                        }
                        continue
                    }
                }
                while i < blockEnd {
                    current += gains[i]
                    i &+= 1
                    if current > best {
                        best = current
                        bestEnd = i
                    }
                }
            }
            return fitStart + Int64(bestEnd)
        }
    }

    /// The prefix sums Q_k = gains[offset] + ... + gains[offset + k - 1] of one sub-block: the whole sum
    /// Q_20, and the least and greatest of Q_1 ... Q_19.
    ///
    /// With them a scan that enters the sub-block with a running sum c > 0 can step over it: no restart
    /// happens inside when c + minimum > 0, and the best can move only to the end when Q_20 > maximum
    /// (or nowhere, when c + max(maximum, Q_20) is at most the best so far). The sums are formed four
    /// in the sample loop's order, so they are its running sums less the entering c (which may differ in
    /// the last bit).
    ///
    /// Cost: per sample a load, an add, a min and a max, without branches.
    @inline(__always)
    static func prefixSummary(_ gains: UnsafeMutableBufferPointer<Double>, at offset: Int) -> (
        sum: Double, minimum: Double, maximum: Double
    ) {
        // One chain of adds; the min and max hang off it.
        let g = UnsafePointer(gains.baseAddress! + offset)
        var q = g[0]
        var low = q, high = q
        for k in 1..<(subBlockLength - 1) {
            q += g[k]
            low = q < low ? q : low
            high = q > high ? q : high
        }
        return (q + g[subBlockLength - 1], low, high)
    }

    /// Writes to `gains[first..<end]` what subtracting the model gains at each sample
    /// (x² - (x - s)² = 2xs - s²); `gains[i]` is sample `startSample + i`, and `quads` is at `first`.
    ///
    /// Samples and counts are multiples of four (sub-block ends less multiples of four), so every four
    /// samples lie inside the ring. Cost: per four samples, one step of `ModelPair.Quads` and a handful
    /// of `SIMD4<Double>` operations.
    static func fillGains(
        _ gains: UnsafeMutableBufferPointer<Double>, from first: Int, to end: Int, history: UnsafeBufferPointer<Float>,
        startSample: Int64, quads: inout ModelPair.Quads
    ) {
        precondition(end <= gains.count && first & 3 == 0 && end & 3 == 0 && startSample & 3 == 0)
        let source = UnsafeRawPointer(history.baseAddress!)
        let target = UnsafeMutableRawPointer(gains.baseAddress!)
        let mask = historyCapacity - 1
        var index = Int((startSample + Int64(first)) & Int64(mask))
        for offset in stride(from: first, to: end, by: 4) {
            let x = SIMD4<Double>(
                source.loadUnaligned(fromByteOffset: index &* MemoryLayout<Float>.stride, as: SIMD4<Float>.self))
            let s = quads.next()
            target.storeBytes(
                of: 2 * x * s - s * s, toByteOffset: offset &* MemoryLayout<Double>.stride, as: SIMD4<Double>.self)
            index = (index &+ 4) & mask
        }
    }
}
