// MARK: - Detection: from the gate to a key-down

// While no key is down, every sub-block ends here. A cheap gate on each window's strongest row and
// column decides whether a pair is worth validating; tier A (`DTMFDetector+TierA.swift`) and then tier L
// (`DTMFDetector+TierL.swift`) validate it and place its onset; the music checks and the echo reference
// may still veto it; what is left is a key-down.

extension DTMFDetector {
    /// Evaluates the windows that end with the newest sub-block, unless the last evaluation found
    /// nothing near a key.
    ///
    /// While both windows' best pair is far below the gates, nothing can be decided in the next
    /// sub-block either (a pair's share grows by about a ninth of the window per sub-block, and a
    /// decision needs the window full), so the next evaluation is skipped. The test is inlined in the
    /// caller, so that a skipped sub-block does not pay `evaluate`'s prologue (five saved registers).
    @inline(__always)
    mutating func detect(_ handler: (Event) -> Void) {
        if skipNextDetection {
            skipNextDetection = false
            return
        }
        evaluate(handler)
    }

    /// Looks for a key in the windows that end with the newest sub-block: tier A on the short window,
    /// else tier L on the long one, each only when its window is clear of the previous key, filled and
    /// through the gate; then the vetoes (the pair was there before its onset, it has harmonics, it is
    /// an echo). Reports the key-down of a pair that survives them all.
    @inline(never)
    private mutating func evaluate(_ handler: (Event) -> Void) {
        var hit: Hit?
        let now = sampleCount
        // Both windows still reach into the previous key (tier L's is the longer, so tier A's decides):
        // neither tier may look, so nothing is summed. (Not setting `skipNextDetection` here changes
        // nothing: a skipped evaluation is one that could not have found a key.)
        if now - Int64(Self.windowSubBlocks * Self.subBlockLength) < previousKeyEnd { return }
        // Both windows too quiet for `filled` (a quiet line, a pause): neither tier may look.
        // (The same expressions as `filled`'s, so the same bits.)
        let floorAmplitude = 0.5 * descriptor.limits.minimumAmplitude
        if Double(shortSum.energy)
            < floorAmplitude * floorAmplitude * Double(Self.windowSubBlocks * Self.subBlockLength)
            && Double(longSum.energy)
                < floorAmplitude * floorAmplitude * Double(Self.longWindowSubBlocks * Self.subBlockLength)
        {
            return
        }
        let short = windowSums(shortSum)
        let long = windowSums(longSum)
        let shortPair = Self.strongestPair(short.power, energy: short.energy, count: Self.windowSubBlocks)
        let longPair = Self.strongestPair(long.power, energy: long.energy, count: Self.longWindowSubBlocks)
        if shortPair.share < 0.1 && longPair.share < 0.075 {
            skipNextDetection = true
            return
        }
        if now - Int64(Self.windowSubBlocks * Self.subBlockLength) >= previousKeyEnd,
            filled(Self.windowSubBlocks, energy: short.energy, share: 0.6),
            let lanes = gate(short.power, shortPair, count: Self.windowSubBlocks, share: 0.2)
        {
            hit = tierA(lanes, short)
        }
        if hit == nil, subBlockCount >= Int64(Self.longWindowSubBlocks),
            now - Int64(Self.longWindowSubBlocks * Self.subBlockLength) >= previousKeyEnd
        {
            if filled(Self.longWindowSubBlocks, energy: long.energy, share: 0.1),
                let lanes = gate(long.power, longPair, count: Self.longWindowSubBlocks, share: 0.15)
            {
                hit = tierL(lanes, long)
            }
        }
        guard let hit, !pairIsMusic(hit.low, hit.high, onset: hit.onset),
            !echoExplains(hit.low, hit.high, count: hit.window)
        else { return }
        let down = KeyState(
            digit: hit.digit, onsetSample: hit.onset, lastPresentSample: now, reportedSample: now,
            tones: (hit.low, hit.high), evidence: hit.evidence)
        key = down
        tracker = Tracker((hit.low, hit.high))
        handler(
            Event(
                kind: .keyDown, digit: hit.digit, onsetSample: hit.onset, reportedSample: now,
                keyDownReportedSample: now, durationSamples: now - hit.onset,
                lowLevelDBm0: down.levels.low, highLevelDBm0: down.levels.high, evidence: hit.evidence))
    }

    /// The strongest row and column lanes and their share of the window's energy (2|Z|²/N per tone).
    ///
    /// The first of equal lanes wins. Selects rather than branches: on noise and speech which lane is
    /// strongest changes from one sub-block to the next, and branches would be mispredicted.
    @inline(__always)
    private static func strongestPair(_ power: SIMD8<Float>, energy: Double, count: Int)
        -> (row: Int, column: Int, share: Double)
    {
        /// The lane of the strongest of `power[first..<first + 4]`, and its power.
        @inline(__always) func strongest(from first: Int) -> (Int, Float) {
            var lane = first, best = power[first]
            for other in (first + 1)..<(first + 4) {
                let value = power[other]
                let better = value > best
                lane = better ? other : lane
                best = better ? value : best
            }
            return (lane, best)
        }
        let (row, rowPower) = strongest(from: 0)
        let (column, columnPower) = strongest(from: 4)
        guard energy > 0 else { return (row, column, 0) }
        let n = Double(count * Self.subBlockLength)
        return (row, column, 2 * (Double(rowPower) + Double(columnPower)) / n / energy)
    }

    /// The strongest row and column lanes (`candidate`, from `strongestPair`), if they pass the cheap
    /// gate: the two tones' energy (2|Z|²/N each) is at least `share` of the window energy and each tone's
    /// amplitude is at least half the minimum.
    private mutating func gate(
        _ power: SIMD8<Float>, _ candidate: (row: Int, column: Int, share: Double), count: Int, share: Double
    ) -> (row: Int, column: Int)? {
        let n = Double(count * Self.subBlockLength)
        let floor = 0.5 * descriptor.limits.minimumAmplitude * n / 2  // |Z| of a tone at half the minimum amplitude
        guard candidate.share >= share, Double(power[candidate.row]) >= floor * floor,
            Double(power[candidate.column]) >= floor * floor
        else { return nil }
        return (candidate.row, candidate.column)
    }

    /// A cheap necessary condition for a key that fills a window of `count` sub-blocks: the two oldest
    /// sub-blocks carry at least `share` of their part of the window's energy. A key younger than the
    /// window fails it (its oldest sub-blocks hold what came before), so no tone is fitted for it.
    private mutating func filled(_ count: Int, energy: Double, share: Double) -> Bool {
        // Below this energy not even two tones at half the minimum amplitude fit in the window.
        let floorAmplitude = 0.5 * descriptor.limits.minimumAmplitude
        guard energy >= floorAmplitude * floorAmplitude * Double(count * Self.subBlockLength) else { return false }
        let oldest = withRing { ring in
            Double(ring.energy(ring.newest &- count &+ 1)) + Double(ring.energy(ring.newest &- count &+ 2))
        }
        return oldest >= share * energy * 2 / Double(count)
    }

    /// A pair that passed validation and has lasted long enough.
    struct Hit {
        var digit: DTMFDigit
        var onset: Int64
        var low: Tone
        var high: Tone
        /// The sub-blocks of the window the tones were fitted on.
        var window: Int
        var evidence: Event.Evidence
    }
}
