// MARK: - Onset and release: the best run of the model

// Where does the fitted pair start, and where does it end? Both questions are answered on the samples
// of the history with the two-tone model (`ModelPair`): subtracting the model from a sample x gains
// x² - (x - s)² = 2xs - s², positive where the pair sounds and negative where it does not. At a key's
// onset (`changePoint`) the answer is the stretch of greatest total gain (Kadane's maximum subarray);
// at its release (`releaseEnd`) the run starts inside the tone and only its end is sought (the best
// prefix). One scan, `bestRun`, does both.

extension DTMFDetector {
    /// Finds where the fitted pair starts within the newest `span` samples: the stretch that gains most
    /// from subtracting `model` (fitted on the samples from `fitStart` to now). Returns its first sample,
    /// or nil when the stretch does not reach the present (the pair has already stopped) or is shorter
    /// than `minimumLength`.
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
        let start = max(now - Int64(span), 0)
        guard
            let run = bestRun(
                model, reference: fitStart, from: start, count: Int(now - start), restarts: true,
                wholeSubBlocks: wholeSubBlocks, exit: (after: now - minimumLength, before: now - 8)),
            run.end >= now - 8, now - run.start >= minimumLength
        else { return nil }
        return run.start
    }

    /// The last sample of a released tone: the end of the best run of the model that starts just before
    /// the last present window.
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
        // The fit from the ring's sub-block values while they are there (a release longer than the
        // default can outlast the ring), else from the samples.
        let inRing = subBlockCount - fitStart / Int64(Self.subBlockLength) <= Int64(Self.ringCapacity)
        let model =
            inRing
            ? subBlockModel(key.tones.0, key.tones.1, fitEnd: fitEnd, count: fitCount)
            : history.withUnsafeBufferPointer { history in
                ModelPair(low: key.tones.0, high: key.tones.1, history: history, fitStart: fitStart, count: fitCount)
            }
        // Without restarts the scan has no early exit, so it always has an answer.
        let run = bestRun(
            model, reference: fitStart, from: fitStart, count: Int(stop - fitStart), restarts: false,
            wholeSubBlocks: true, exit: nil)
        return run!.end
    }

    /// The run of greatest total gain from subtracting `model` (referenced to the sample `reference`)
    /// among the `count` samples from `start`, as its first and end samples (the end one past its last).
    ///
    /// - `restarts`: a run whose sum falls to 0 or below is dropped, and the next sample starts a new one
    ///   (Kadane's maximum subarray: the onset). Without, the run starts at `start` and only its end is
    ///   sought (the best prefix: the release).
    /// - `exit`: when a run starts afresh at a sample strictly between `after` and `before`, the answer
    ///   is nil at once (see `changePoint`).
    /// - `wholeSubBlocks`: a sub-block where the run cannot restart and the best can move only to its end
    ///   is taken whole from its prefix sums (`prefixSummary`), without the sample loop.
    ///
    /// The gains are computed one sub-block at a time, so that an early exit spares the rest. Cost: per
    /// four samples one step of the model (`fillGains`), then per sample an add and a compare, or per
    /// sub-block taken whole a `prefixSummary`.
    @inline(__always)
    private mutating func bestRun(
        _ model: ModelPair, reference: Int64, from start: Int64, count: Int, restarts: Bool, wholeSubBlocks: Bool,
        exit: (after: Int64, before: Int64)?
    ) -> (start: Int64, end: Int64)? {
        // after < sample < before as one unsigned comparison on the index; no index passes an empty window.
        var exitAfterIndex = 0, exitWindow: UInt = 0
        if let exit {
            exitAfterIndex = Int(exit.after - start)
            exitWindow = UInt(bitPattern: Int(exit.before - exit.after) &- 1)
        }
        let history = self.history  // the same storage, not a copy of the samples
        let result = residual.withUnsafeMutableBufferPointer { gains -> (Int, Int)? in
            history.withUnsafeBufferPointer { history -> (Int, Int)? in
                var quads = model.quads(from: start, reference: reference)
                var best = -Double.infinity, current = 0.0
                var currentStart = 0, bestStart = 0, bestEnd = 0
                var i = 0
                while i < count {
                    let chunkEnd = min(i &+ Self.subBlockLength, count)
                    Self.fillGains(gains, from: i, to: chunkEnd, history: history, startSample: start, quads: &quads)
                    if wholeSubBlocks && (!restarts || current > 0) && chunkEnd &- i == Self.subBlockLength {
                        let q = Self.prefixSummary(gains, at: i)
                        if (!restarts || current + q.minimum > 0)
                            && (q.sum > q.maximum || current + max(q.maximum, q.sum) <= best)
                        {
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
                        if restarts && current <= 0 {
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
                return (bestStart, bestEnd)
            }
        }
        guard let (bestStart, bestEnd) = result else { return nil }
        return (start + Int64(bestStart), start + Int64(bestEnd))
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
    @inline(__always)
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
