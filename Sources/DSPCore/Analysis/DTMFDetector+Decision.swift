import RealModule

// MARK: - Per sub-block

// The helpers below only read the receiver, but they are `mutating` all the same: a non-mutating
// method called from a mutating one made the compiler copy the whole receiver for each call (seen in
// perf and callgrind: 18 % of the instructions on silence). As `mutating` they get `self` by address.

extension DTMFDetector {
    /// Stores the finished sub-block (its DFT values `re` and `im` from the bank) and runs tracking or
    /// detection on the window that ends with it.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func endSubBlock(_ re: SIMD8<Float>, _ im: SIMD8<Float>, _ handler: (Event) -> Void) {
        var block = SubBlock()
        block.re = re
        block.im = im
        (block.energy, block.lagProduct) = subBlockEnergy()
        storeAndUpdateWindowSums(block)
        guard subBlockCount >= Int64(Self.windowSubBlocks) else { return }

        if key != nil {
            track(handler)
        } else {
            detect(handler)
        }
    }

    /// The sub-block `back` places before the newest one.
    @inline(__always)
    mutating func subBlock(back: Int) -> SubBlock {
        ring[Int(subBlockCount - 1 - Int64(back)) & (Self.ringCapacity - 1)]
    }

    /// One lane of the sub-block `back` places before the newest, read in place: `subBlock(back:)`
    /// copies the whole 72-byte sub-block to read one lane of it.
    @inline(__always)
    mutating func lane(_ lane: Int, back: Int) -> (re: Float, im: Float) {
        let slot = Int(subBlockCount - 1 - Int64(back)) & (Self.ringCapacity - 1)
        return ring.withUnsafeBufferPointer { ($0[slot].re[lane], $0[slot].im[lane]) }
    }

    /// The energy of the sub-block `back` places before the newest, read in place.
    @inline(__always)
    mutating func subBlockEnergy(back: Int) -> Float {
        let slot = Int(subBlockCount - 1 - Int64(back)) & (Self.ringCapacity - 1)
        return ring.withUnsafeBufferPointer { $0[slot].energy }
    }

    // MARK: - Detection

    /// Stores `block` as the newest sub-block and keeps `shortSum` and `longSum` equal to the sums of the
    /// newest 9 and 14 sub-blocks.
    ///
    /// The ring is read and written in one access, and the sums are updated in locals and stored once:
    /// through `self` the compiler stored and reloaded both after every step. Slots not yet written are
    /// zero, so the sub-blocks leaving the windows are subtracted from the first sub-block on (x - 0 is x
    /// to the bit).
    @inline(__always)
    private mutating func storeAndUpdateWindowSums(_ block: SubBlock) {
        let mask = Self.ringCapacity - 1
        let newest = Int(truncatingIfNeeded: subBlockCount)
        subBlockCount += 1
        // While a key is down only tracking runs, and it reads the ring, not the sums: they are left and
        // counted afresh when detection resumes (a key lasts dozens of sub-blocks; a recount is 23 adds).
        if key != nil {
            ring[newest & mask] = block
            windowSumsStale = true
            return
        }
        if windowSumsStale || subBlockCount % Self.recountInterval == 0 {
            ring[newest & mask] = block
            shortSum = recount(Self.windowSubBlocks)
            longSum = recount(Self.longWindowSubBlocks)
            windowSumsStale = false
            return
        }
        var short = shortSum, long = longSum
        ring.withUnsafeMutableBufferPointer { ring in
            ring[newest & mask] = block
            short += block
            long += block
            short -= ring[(newest &- Self.windowSubBlocks) & mask]
            long -= ring[(newest &- Self.longWindowSubBlocks) & mask]
        }
        shortSum = short
        longSum = long
    }

    /// The exact sum of the newest `count` sub-blocks (fewer at the start of the stream).
    private mutating func recount(_ count: Int) -> SubBlock {
        var sum = SubBlock()
        for back in 0..<min(count, Int(subBlockCount)) { sum += subBlock(back: back) }
        return sum
    }

    /// The coherent sums of a window: per-lane power, energy and lag-1 product.
    ///
    /// Inlined: as a call, each window's 80-byte sum was first copied to the stack.
    @inline(__always)
    private mutating func windowSums(_ sum: SubBlock) -> (power: SIMD8<Float>, energy: Double, lag: Double) {
        (sum.re * sum.re + sum.im * sum.im, Double(sum.energy), Double(sum.lagProduct))
    }

    /// The strongest row and column lanes (`candidate`, from `strongestPair`), if they pass the cheap
    /// gate: the two tones' energy (2|Z|²/N each) is at least `share` of the window energy and each tone's
    /// amplitude is at least half the minimum.
    private mutating func gate(
        _ power: SIMD8<Float>, _ candidate: (row: Int, column: Int, share: Double), count: Int, share: Double
    ) -> (row: Int, column: Int)? {
        let n = Double(count * Self.subBlockLength)
        let floor = 0.5 * limits.minimumAmplitude * n / 2  // |Z| of a tone at half the minimum amplitude
        guard candidate.share >= share, Double(power[candidate.row]) >= floor * floor,
            Double(power[candidate.column]) >= floor * floor
        else { return nil }
        return (candidate.row, candidate.column)
    }

    /// The strongest row and column lanes and their share of the window's energy (2|Z|²/N per tone).
    ///
    /// The first of equal lanes wins. Selects rather than branches: on noise and speech which lane is
    /// strongest changes from one sub-block to the next, and the branches were mispredicted.
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

    /// Evaluates the windows that end with the newest sub-block, unless the last evaluation found
    /// nothing near a key.
    ///
    /// While both windows' best pair is far below the gates, nothing can be decided in the next
    /// sub-block either (a pair's share grows by about a ninth of the window per sub-block, and a
    /// decision needs the window full), so the next evaluation is skipped. The test is inlined in the
    /// caller: a skipped sub-block no longer pays `evaluate`'s prologue (it saves five registers).
    @inline(__always)
    private mutating func detect(_ handler: (Event) -> Void) {
        if skipNextDetection {
            skipNextDetection = false
            return
        }
        evaluate(handler)
    }

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
        let floorAmplitude = 0.5 * limits.minimumAmplitude
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
        guard let hit, !pairPrecedesOnset(hit.low, hit.high, onset: hit.onset),
            !pairHasHarmonics(hit.low, hit.high, onset: hit.onset),
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

    /// A cheap necessary condition for a key that fills a window of `count` sub-blocks: the two oldest
    /// sub-blocks carry at least `share` of their part of the window's energy. A key younger than the
    /// window fails it (its oldest sub-blocks hold what came before), so no tone is fitted for it.
    private mutating func filled(_ count: Int, energy: Double, share: Double) -> Bool {
        // Below this energy not even two tones at half the minimum amplitude fit in the window.
        let floorAmplitude = 0.5 * limits.minimumAmplitude
        guard energy >= floorAmplitude * floorAmplitude * Double(count * Self.subBlockLength) else { return false }
        let oldest = Double(subBlockEnergy(back: count - 1)) + Double(subBlockEnergy(back: count - 2))
        return oldest >= share * energy * 2 / Double(count)
    }

    /// A cheap necessary condition on a lane's frequency: the phase advance between the window's first
    /// and last `half` sub-blocks is within `cosine` (`Limits.plausibleCosine`, the tolerance plus 20 %)
    /// of none. `fitTone` measures the same offset and more; this spares it for the many speech windows
    /// whose frequency is off.
    ///
    /// The advance is judged by its cosine, x ≥ cos θ·|z| for z = x + jy, not by an arc tangent. (An
    /// advance of ±2π, one ambiguity step, cannot be told from none here; when θ < π no advance near it
    /// is measurable, and when θ ≥ π every advance passes.) Cost: 2·`half` lane reads and one square root.
    private mutating func frequencyPlausible(lane: Int, count: Int, half: Int, cosine: Double) -> Bool {
        var aRe: Float = 0, aIm: Float = 0, bRe: Float = 0, bIm: Float = 0
        for index in 0..<half {
            let early = self.lane(lane, back: count - 1 - index), late = self.lane(lane, back: half - 1 - index)
            aRe += early.re; aIm += early.im
            bRe += late.re; bIm += late.im
        }
        let x = Double(bRe * aRe + bIm * aIm), y = Double(bIm * aRe - bRe * aIm)
        return x >= cosine * (x * x + y * y).squareRoot()
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
    private mutating func fitTone(
        lane: Int, count: Int, half: Int, resolveAmbiguity: Bool, quarters: Bool, rejectShifted: Bool,
        y: LaneSeries, direct: Double
    ) -> ToneFit? {
        let l = Double(Self.subBlockLength)
        let rate = Double(Self.sampleRate)
        let ambiguity = rate / (Double(count - half) * l)
        let quarterEnds = Self.quarterBoundaries(count)

        /// The sums of the sub-blocks de-rotated by `offsetHz`. The whole sum is added from -0 in time
        /// order, as `SIMD.sum()` added the de-rotated vector (whose unused lanes were +0), so its bits are
        /// those of the vector code.
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
            // The candidates in the order the single-candidate code tried them: direct, then direct -
            // ambiguity, then direct + ambiguity, each replacing the best so far only when strictly larger.
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
    /// Each lane does the arithmetic of `fitTone`'s single-candidate loop (the same cos and sin, the same
    /// recurrence, the same sums in the same order), so every sum has the same bits. The quarter sums are
    /// formed quarter by quarter in scalars, from +0 as the vector of quarters started.
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

    /// One lane's complex values over a window, oldest first (at most `longWindowSubBlocks` used), in
    /// fixed-size storage: indexing a `SIMD16<Double>` by a variable index copied the vector through the
    /// stack on every store.
    ///
    /// Read and written by address (`withValues`, `laneValues`): indexing the `InlineArray`s copied the
    /// whole 128-byte array to the stack on every read (16 moves per value; most of `directOffset`'s
    /// and `fitTone`'s instructions).
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
    private mutating func laneValues(_ lane: Int, count: Int) -> LaneSeries {
        var y = LaneSeries()
        let oldest = Int(subBlockCount - Int64(count))
        // The two floats are read by address: indexing a `SIMD8<Float>` by a variable lane stored the
        // whole sub-block to the stack first.
        let stride = MemoryLayout<SubBlock>.stride
        let reOffset = MemoryLayout<SubBlock>.offset(of: \.re)! &+ lane &* 4
        let imOffset = MemoryLayout<SubBlock>.offset(of: \.im)! &+ lane &* 4
        let targetIm = MemoryLayout<LaneSeries>.offset(of: \.im)!
        ring.withUnsafeBufferPointer { ring in
            let base = UnsafeRawPointer(ring.baseAddress!)
            withUnsafeMutableBytes(of: &y) { target in
                for index in 0..<count {
                    let slot = (oldest &+ index) & (Self.ringCapacity - 1)
                    let at = index &* MemoryLayout<Double>.stride
                    target.storeBytes(
                        of: Double(base.load(fromByteOffset: slot &* stride &+ reOffset, as: Float.self)),
                        toByteOffset: at, as: Double.self)
                    target.storeBytes(
                        of: Double(base.load(fromByteOffset: slot &* stride &+ imOffset, as: Float.self)),
                        toByteOffset: targetIm &+ at, as: Double.self)
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
    private mutating func measurePair(
        _ lanes: (row: Int, column: Int), _ sums: (power: SIMD8<Float>, energy: Double, lag: Double), count: Int,
        low: ToneFit, high: ToneFit
    ) -> PairMeasurement {
        let n = Double(count * Self.subBlockLength)
        let lowEnergy = low.tone.amplitude * low.tone.amplitude / 2 * n
        let highEnergy = high.tone.amplitude * high.tone.amplitude / 2 * n
        // cos ω of both tones at once (`sinCos`, to ~1e-15, instead of two libm calls).
        let cosines = sinCos(2 * .pi * SIMD2(low.tone.frequency, high.tone.frequency) / Double(Self.sampleRate)).cos
        let residualLag = sums.lag - lowEnergy * cosines[0] - highEnergy * cosines[1]
        let residualEnergy = max(sums.energy - lowEnergy - highEnergy, 1e-9)
        return PairMeasurement(
            low: low, high: high, purity: (lowEnergy + highEnergy) / sums.energy,
            twist: high.tone.amplitude / low.tone.amplitude,
            deviation: Self.deviation(lanes, low.tone.offsetHz, high.tone.offsetHz, filters.frequencies),
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

    /// Tier A: the 22.5 ms window, for clean signals and white noise.
    private mutating func tierA(
        _ lanes: (row: Int, column: Int), _ sums: (power: SIMD8<Float>, energy: Double, lag: Double)
    )
        -> Hit?
    {
        let c = configuration
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
        let exitAfter = now - limits.minimumToneSamples
        let searchStart = max(now - span, 0)
        if exitAfter >= searchStart && isDigitalSilence(from: searchStart, through: exitAfter) { return nil }
        guard Self.groupMarginRatio(lanes, sums.power) >= limits.marginRatio,
            frequencyPlausible(lane: lanes.row, count: count, half: 4, cosine: limits.plausibleCosine[lanes.row]),
            frequencyPlausible(
                lane: lanes.column, count: count, half: 4, cosine: limits.plausibleCosine[lanes.column])
        else { return nil }
        // The fits first, then the change point: every check is a pure function of the same inputs, so
        // the order does not change which windows pass, only what a rejection costs. A fit costs two lane
        // reads, a cos and a sin and nine complex multiply-adds; the change point a model and up to 240
        // samples of gains. Over speech and music most windows that get this far fail the fits (in the
        // mix corpus about half, and two in three of those the change point would have passed), while
        // the change point alone rejected mostly the tries that come a sub-block before a key's tone is
        // old enough, which digital silence now rejects above. The frequency deviation, known with the
        // offsets, is checked first of all, and the low tone's own limits before the high tone is fitted.
        let row = laneValues(lanes.row, count: count), column = laneValues(lanes.column, count: count)
        let rowDirect = Self.directOffset(row, count: count, half: 4)
        let columnDirect = Self.directOffset(column, count: count, half: 4)
        guard
            Self.deviation(lanes, rowDirect, columnDirect, filters.frequencies)
                <= min(c.cleanFrequencyTolerance, c.frequencyTolerance),
            let lowFit = fitTone(
                lane: lanes.row, count: count, half: 4, resolveAmbiguity: false, quarters: false,
                rejectShifted: false, y: row, direct: rowDirect),
            lowFit.tone.amplitude >= limits.minimumAmplitude, lowFit.halves <= limits.stabilityRatio,
            let highFit = fitTone(
                lane: lanes.column, count: count, half: 4, resolveAmbiguity: false, quarters: false,
                rejectShifted: false, y: column, direct: columnDirect)
        else { return nil }
        let m = measurePair(lanes, sums, count: count, low: lowFit, high: highFit)
        guard m.low.tone.amplitude >= limits.minimumAmplitude, m.high.tone.amplitude >= limits.minimumAmplitude,
            limits.twistRange.contains(m.twist),
            m.deviation <= min(c.cleanFrequencyTolerance, c.frequencyTolerance),
            max(m.low.halves, m.high.halves) <= limits.stabilityRatio
        else { return nil }
        let white =
            abs(m.residualCorrelation) <= c.whiteResidualCorrelation && limits.whiteTwistRange.contains(m.twist)
        guard m.purity >= (white ? c.whiteNoisePurity : c.purity) else { return nil }
        // Outside white noise, the weaker tone must stand out of what else the window holds: a clean
        // pair with a strong twist whose weak tone is smaller than the rest is a loud note with a
        // partial beside it, not a key.
        if !white {
            let weaker = min(m.low.tone.amplitude, m.high.tone.amplitude)
            let weakerShare = weaker * weaker / 2 * Double(count * Self.subBlockLength) / sums.energy
            guard weakerShare >= limits.weakerToneRatio * (1 - m.purity) else { return nil }
        }
        // The change point needs only the two frequencies, which are `fitTone`'s own first step (tier A
        // does not resolve the ambiguity, so they are the fits' offsets). The search also confirms that
        // the pair lasts to the present: a 20 ms tone ends inside the window.
        let low = Tone(lane: lanes.row, offsetHz: rowDirect, amplitude: 0)
        let high = Tone(lane: lanes.column, offsetHz: columnDirect, amplitude: 0)
        let model = subBlockModel(low, high, fitEnd: now, count: 120)
        guard
            let onset = changePoint(
                model, fitStart: now - 120, span: Int(span), now: now, minimumLength: limits.minimumToneSamples,
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

    /// Tier L: the 35 ms window, for a pair over speech or music.
    private mutating func tierL(
        _ lanes: (row: Int, column: Int), _ sums: (power: SIMD8<Float>, energy: Double, lag: Double)
    ) -> Hit? {
        let c = configuration
        let count = Self.longWindowSubBlocks
        let margin = Self.groupMarginRatio(lanes, sums.power)
        guard margin >= limits.interferedGateMarginRatio,
            frequencyPlausible(
                lane: lanes.row, count: count, half: count / 2, cosine: limits.interferedPlausibleCosine[lanes.row]),
            frequencyPlausible(
                lane: lanes.column, count: count, half: count / 2,
                cosine: limits.interferedPlausibleCosine[lanes.column])
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
        let shiftFails = limits.shiftFailsInterferedDeviation
        let tolerance = min(c.interferedFrequencyTolerance, c.frequencyTolerance)
        guard !shiftFails || Self.deviation(lanes, rowDirect, columnDirect, filters.frequencies) <= tolerance,
            let lowFit = fitTone(
                lane: lanes.row, count: count, half: half, resolveAmbiguity: true, quarters: true,
                rejectShifted: shiftFails, y: row, direct: rowDirect),
            lowFit.tone.amplitude >= limits.minimumAmplitude,
            lowFit.halves <= max(limits.interferedStabilityRatio, limits.speechPathStabilityRatio),
            lowFit.quarters <= max(limits.interferedQuarterRatio, limits.speechPathQuarterRatio),
            let highFit = fitTone(
                lane: lanes.column, count: count, half: half, resolveAmbiguity: true, quarters: true,
                rejectShifted: shiftFails, y: column, direct: columnDirect)
        else { return nil }
        let m = measurePair(lanes, sums, count: count, low: lowFit, high: highFit)
        let speechLike = m.residualCorrelation >= c.speechResidualCorrelation
        guard m.low.tone.amplitude >= limits.minimumAmplitude, m.high.tone.amplitude >= limits.minimumAmplitude,
            m.deviation <= tolerance,
            limits.interferedTwistRange.contains(m.twist)
        else { return nil }
        let halves = max(m.low.halves, m.high.halves)
        let quarters = max(m.low.quarters, m.high.quarters)
        let passes =
            m.purity >= (speechLike ? c.interferedPurity : c.interferedOtherPurity)
            && margin >= limits.marginRatio && halves <= limits.interferedStabilityRatio
            && quarters <= limits.interferedQuarterRatio
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
                && margin >= limits.speechPathMarginRatio && halves <= limits.speechPathStabilityRatio
                && quarters <= limits.speechPathQuarterRatio
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
                minimumLength: limits.interferedMinimumToneSamples, wholeSubBlocks: false)
        else { return nil }
        return Hit(
            digit: DTMFDigit(row: lanes.row, column: lanes.column - 4), onset: onset, low: m.low.tone,
            high: m.high.tone, window: count, evidence: speechPath ? .speech : .interfered)
    }

    /// True when the residual (the newest `count` samples less the fitted pair) is periodic and both
    /// tones are near-harmonics of its period: the "pair" is two harmonics of one voice.
    ///
    /// The period is the lag in 18...162 samples (a pitch of 49 to 444 Hz) with the largest normalised
    /// autocorrelation, refined by a parabola through its neighbours.
    ///
    /// Cost: about 145 × 200 products for the autocorrelation, eight lags at a time in `SIMD8<Double>`
    /// (the scalar loop was most of tier L's cost over speech); the residual, one model step per sample.
    private mutating func harmonicLock(_ low: Tone, _ high: Tone, count: Int, now: Int64, cosine: Double) -> Bool {
        let fitStart = now - Int64(count)
        let mask = Self.historyCapacity - 1
        let history = self.history
        let fitted = subBlockModel(low, high, fitEnd: now, count: count)
        // The residual is stored after `lanes - 1` zeros (and one more for alignment), which the products
        // of a lag larger than the sample's index read.
        let lanes = 8, padding = 8
        precondition(count + padding <= residual.count)
        let (correlation, lag) = residual.withUnsafeMutableBufferPointer { buffer -> (Double, Double) in
            let e = buffer.baseAddress! + padding
            for k in 0..<padding { buffer[k] = 0 }
            var total = 0.0
            history.withUnsafeBufferPointer { history in
                var model = fitted
                model.seek(to: fitStart, reference: fitStart)
                var index = Int(fitStart & Int64(mask))
                for i in 0..<count {
                    let value = Double(history[index]) - model.next()
                    index = (index + 1) & mask
                    e[i] = value
                    total += value * value
                }
            }
            let minimumLag = 18, maximumLag = 162
            var head = 0.0  // Σ e[i]² for i < lag
            for i in 0..<minimumLag { head += e[i] * e[i] }
            var tail = 0.0  // Σ e[i]² for i >= count - lag
            for i in (count - minimumLag)..<count { tail += e[i] * e[i] }
            var twoBack = -Double.infinity, oneBack = -Double.infinity
            var best = -Double.infinity, bestLag = 0.0
            // The dot products Σ_{i ≥ lag} e[i]·e[i - lag] of eight lags at once, lane k holding lag
            // first + 7 - k, so that the eight e[i - lag] are one load. Each lane adds its products in the
            // scalar loop's order; the terms with i < lag read the zeros before e[0] and add +0 to a sum
            // that is still +0, so every dot product has the scalar loop's bits.
            var dots = SIMD8<Double>()
            for lag in minimumLag...maximumLag {
                let k = (lag - minimumLag) % lanes
                if k == 0 {
                    let first = lag
                    dots = SIMD8()
                    for i in first..<count {
                        let before = UnsafeRawPointer(e + (i - first - (lanes - 1))).loadUnaligned(
                            as: SIMD8<Double>.self)
                        dots += SIMD8(repeating: e[i]) * before
                    }
                }
                let dot = dots[lanes - 1 - k]
                let score = dot / (((total - head) * (total - tail)).squareRoot() + 1e-9)
                // The interior lag (lag - 1) with both neighbours known.
                if lag >= minimumLag + 2, oneBack > best {
                    best = oneBack
                    let curvature = twoBack - 2 * oneBack + score
                    let shift = curvature < 0 ? 0.5 * (twoBack - score) / curvature : 0
                    bestLag = Double(lag - 1) + shift
                }
                twoBack = oneBack
                oneBack = score
                head += e[lag] * e[lag]
                tail += e[count - 1 - lag] * e[count - 1 - lag]
            }
            return (best, bestLag)
        }
        let rate = Double(Self.sampleRate)
        let c = configuration
        return correlation >= c.harmonicCorrelation
            && Double.cos(2 * .pi * low.frequency * lag / rate) >= cosine
            && Double.cos(2 * .pi * high.frequency * lag / rate) >= cosine
    }

    // MARK: - Change point

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
    private mutating func changePoint(
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

    /// The two-tone model fitted on the `count` samples that end at `fitEnd` (a sub-block end, at most
    /// `ringCapacity` sub-blocks back), from the sub-block values in the ring rather than the samples.
    ///
    /// Sub-block j (first sample n_j = L·j) holds Y_j = r_j·Σ_i x[n_j + i]·e^{jω₀(L-1-i)}, r_j the
    /// bank's reference rotation and ω₀ the lane's nominal frequency. The model's fit at ω = ω₀ + Δ over
    /// the same samples is X = Σ x[n]·e^{-jω(n - fitStart)}. Inside each sub-block the leftover rotation
    /// e^{-jΔi} is replaced by its effect on the tone itself (exact for a tone at ω), which gives
    ///   X = L·sin(Δ/2)/sin(LΔ/2) · e^{-j(ω₀(L-1) + ω₀L(M-J₀) + Δ(L-1)/2)} · r̄_M · Σ_q e^{-jΔLq}·Y_{J₀+q}
    /// with J₀ the first fitted sub-block and M the next one, whose reference r_M is the filters' own:
    /// the slow drift of the `Float` reference cancels. Then a = 2X / count, as the sample fit has it.
    ///
    /// Cost: per sub-block one `SIMD2<Double>` complex multiply-add and rotation (both tones at once),
    /// and four `sinCos` pairs; the sample fit made `count / 2` dependent Goertzel steps.
    private mutating func subBlockModel(_ low: Tone, _ high: Tone, fitEnd: Int64, count: Int) -> ModelPair {
        let l = Self.subBlockLength
        let blocks = count / l
        let firstBlock = Int(fitEnd / Int64(l)) - blocks
        let next = Int(subBlockCount)
        precondition(count % l == 0 && fitEnd % Int64(l) == 0 && next - firstBlock <= Self.ringCapacity)
        let rate = Double(Self.sampleRate)
        let nominal =
            2 * Double.pi
            * SIMD2(Double(filters.frequencies[low.lane]), Double(filters.frequencies[high.lane])) / rate
        let omega = 2 * Double.pi * SIMD2(low.frequency, high.frequency) / rate
        let delta = omega - nominal
        // W = Σ_q e^{-jΔLq}·Y_{J₀+q}, the rotation by recurrence; the ring read by address, once.
        let step = smallSinCos(-delta * Double(l))
        var wRe = SIMD2<Double>(), wIm = SIMD2<Double>()
        let stride = MemoryLayout<SubBlock>.stride
        let reOffset = MemoryLayout<SubBlock>.offset(of: \.re)!, imOffset = MemoryLayout<SubBlock>.offset(of: \.im)!
        let lowOffset = low.lane &* MemoryLayout<Float>.stride, highOffset = high.lane &* MemoryLayout<Float>.stride
        ring.withUnsafeBufferPointer { ring in
            let base = UnsafeRawPointer(ring.baseAddress!)
            var cRe = SIMD2<Double>(repeating: 1), cIm = SIMD2<Double>()
            for q in 0..<blocks {
                let block = base + ((firstBlock &+ q) & (Self.ringCapacity - 1)) &* stride
                let yRe = SIMD2(
                    Double(block.load(fromByteOffset: reOffset &+ lowOffset, as: Float.self)),
                    Double(block.load(fromByteOffset: reOffset &+ highOffset, as: Float.self)))
                let yIm = SIMD2(
                    Double(block.load(fromByteOffset: imOffset &+ lowOffset, as: Float.self)),
                    Double(block.load(fromByteOffset: imOffset &+ highOffset, as: Float.self)))
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

    // MARK: - Tracking

    private mutating func track(_ handler: (Event) -> Void) {
        if keyPresent() {
            key!.absentSubBlocks = 0
            key!.lastPresentSample = sampleCount
            return
        }
        key!.absentSubBlocks += 1
        guard key!.absentSubBlocks >= limits.releaseSubBlocks, let released = key else { return }
        key = nil
        let end = releaseEnd(released)
        previousKeyEnd = end
        handler(keyUpEvent(released, end: end))
    }

    /// Whether the key's pair is still in the newest 10 ms: each tone within -9 dB and +9.5 dB of its
    /// level at key-down, together carrying at least 35 % of the energy. Call only while a key is down.
    ///
    /// Cost: four sub-blocks of `SIMD2<Double>` complex multiply-adds (both tones at once) with the
    /// rotations precomputed in `tracker`, and one square root pair.
    private mutating func keyPresent() -> Bool {
        let span = Tracker.span
        let mask = Self.ringCapacity - 1
        let newest = Int(truncatingIfNeeded: subBlockCount &- 1)
        let lanes = tracker.lanes
        let silent = tracker.silentSpanEnergy
        // The ring is read by address, once: `lane(_:back:)` per value recomputed the slot and reloaded
        // the buffer for each of the sixteen floats.
        let stride = MemoryLayout<SubBlock>.stride
        let energyOffset = MemoryLayout<SubBlock>.offset(of: \.energy)!
        let reOffset = MemoryLayout<SubBlock>.offset(of: \.re)!, imOffset = MemoryLayout<SubBlock>.offset(of: \.im)!
        let lowOffset = lanes.0 &* MemoryLayout<Float>.stride, highOffset = lanes.1 &* MemoryLayout<Float>.stride
        let cosines = tracker.cos, sines = tracker.sin
        let sums = ring.withUnsafeBufferPointer { ring -> (energy: Double, re: SIMD2<Double>, im: SIMD2<Double>)? in
            let base = UnsafeRawPointer(ring.baseAddress!)
            // Newest first, as the scalar code added them.
            var spanEnergy = 0.0
            for back in 0..<span {
                let slot = (newest &- back) & mask
                spanEnergy += Double(base.load(fromByteOffset: slot &* stride &+ energyOffset, as: Float.self))
            }
            // By Cauchy-Schwarz no tone in the span is louder than 2·sqrt(E/N): below both least amplitudes
            // the answer is no without the sums (a silent span after a key, several times per key).
            if spanEnergy < silent { return nil }
            var zRe = SIMD2<Double>(), zIm = SIMD2<Double>()
            for index in 0..<span {
                let block = base + ((newest &- (span - 1 - index)) & mask) &* stride
                let re = SIMD2(
                    Double(block.load(fromByteOffset: reOffset &+ lowOffset, as: Float.self)),
                    Double(block.load(fromByteOffset: reOffset &+ highOffset, as: Float.self)))
                let im = SIMD2(
                    Double(block.load(fromByteOffset: imOffset &+ lowOffset, as: Float.self)),
                    Double(block.load(fromByteOffset: imOffset &+ highOffset, as: Float.self)))
                let c = SIMD2(cosines[2 * index], cosines[2 * index + 1])
                let s = SIMD2(sines[2 * index], sines[2 * index + 1])
                zRe += re * c - im * s
                zIm += re * s + im * c
            }
            return (spanEnergy, zRe, zIm)
        }
        guard let (spanEnergy, zRe, zIm) = sums else { return false }
        // Each tone's amplitude is a = 2|Z|/N and its energy a²N/2 = 2|Z|²/N: both are judged on the power
        // |Z|² against limits squared once (`Tracker`), without the square root and the divisions, whose
        // latency made this a tenth of the time on key-dense audio.
        let power = zRe * zRe + zIm * zIm
        let present = !any((power .< tracker.minimumPower) .| (power .> tracker.maximumPower))
        let toneEnergy = (power[0] + power[1]) * (2 / Double(span * Self.subBlockLength))
        return present && toneEnergy >= 0.35 * spanEnergy
    }

    /// The last sample of a released tone: a change point on the model near the last present window.
    private mutating func releaseEnd(_ key: KeyState) -> Int64 {
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

    mutating func keyUpEvent(_ key: KeyState, end: Int64) -> Event {
        Event(
            kind: .keyUp, digit: key.digit, onsetSample: key.onsetSample, reportedSample: sampleCount,
            keyDownReportedSample: key.reportedSample, durationSamples: max(end - key.onsetSample, 0),
            lowLevelDBm0: key.levels.low, highLevelDBm0: key.levels.high, evidence: key.evidence)
    }
}

// MARK: - The two-tone model

/// The two tones of a candidate pair, each fitted on the same stretch of the history, then generated
/// sample by sample or four samples at a time.
///
/// Each fit is a Goertzel filter at the tone's measured frequency over the stretch, which gives its
/// complex amplitude a (x[n] ≈ Re(a·e^{jω(n - fitStart)})); the model is then produced by a real
/// recursion, s[n] = 2cos ω·s[n-1] - s[n-2] (`next`) or s[n+4] = 2cos 4ω·s[n] - s[n-4] (`quads`).
///
/// The two tones are the two lanes of a `SIMD2<Double>` (low, high): the fit reads each sample once
/// for both filters. The model only places change points (where a run of samples gains from
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
    /// Cost: `count / 2` two-sample `SIMD2<Double>` Goertzel steps (the chain of dependent operations
    /// is one multiply-add per two samples) and two `sinCos` pairs.
    init(
        low: DTMFDetector.Tone, high: DTMFDetector.Tone, history: UnsafeBufferPointer<Float>, fitStart: Int64,
        count: Int
    ) {
        let mask = DTMFDetector.historyCapacity - 1
        omega = 2 * Double.pi * SIMD2(low.frequency, high.frequency) / Double(DTMFDetector.sampleRate)
        (sinOmega, cosOmega) = sinCos(omega)
        let c = 2 * cosOmega
        coefficient = c
        // Two samples per step (the two-sample form of one filter: the chain of dependent operations is
        // one multiply-add per two samples):
        //   s[n+1] = c·s[n] - s[n-1] + x1;  s[n+2] = (c² - 1)·s[n] - c·s[n-1] + c·x1 + x2.
        let pair = c * c - 1
        // Every caller fits whole pairs from an even sample (sub-block ends less even counts), so a pair
        // never straddles the end of the ring.
        assert(fitStart & 1 == 0 && count & 1 == 0)
        var s1 = SIMD2<Double>(), s2 = SIMD2<Double>()
        let base = UnsafeRawPointer(history.baseAddress!)
        var index = Int(fitStart & Int64(mask))
        for _ in 0..<(count / 2) {
            let x = SIMD2<Double>(
                base.loadUnaligned(fromByteOffset: index &* MemoryLayout<Float>.stride, as: SIMD2<Float>.self))
            let x1 = SIMD2(repeating: x[0]), x2 = SIMD2(repeating: x[1])
            let next = (x1 - s2) + c * s1
            let afterNext = (c * x1 + x2 - c * s2) + pair * s1
            s2 = next
            s1 = afterNext
            index = (index &+ 2) & mask
        }
        // y = s1 - e^{-jω} s2 = Σ x[i] e^{jω(count-1-i)};  X = e^{-jω(count-1)} y;  a = 2X / count.
        let yRe = s1 - cosOmega * s2, yIm = sinOmega * s2
        let (s, cb) = sinCos(-omega * Double(count - 1))
        aRe = 2 * (yRe * cb - yIm * s) / Double(count)
        aIm = 2 * (yRe * s + yIm * cb) / Double(count)
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
        // lane went through the stack each time.
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

/// sin x and cos x of both lanes, to about 1e-15 for |x| up to a few thousand radians.
///
/// Reduction by a three-part π/2 (the first two parts have 24 significant bits, so k times them is
/// exact), then Taylor polynomials to degree 15 (sin) and 16 (cos) on |r| ≤ π/4, whose truncation
/// error is below 5e-17. Cost: about 40 `SIMD2<Double>` operations, no call.
@inline(__always)
func sinCos(_ x: SIMD2<Double>) -> (sin: SIMD2<Double>, cos: SIMD2<Double>) {
    // π/2 = p1 + p2 + p3 (p1, p2 rounded to Float precision; p3 the rest).
    let p1 = 0x1.921fb6p+0, p2 = -0x1.777a5cp-25, p3 = -0x1.ee59d9cceba40p-50
    // k = x·2/π rounded to the nearest integer: adding 1.5·2⁵² leaves it in the low bits of the sum
    // (no call to `rint`, which baseline x86-64 lacks as an instruction).
    let shifter = SIMD2<Double>(repeating: 0x1.8p52)
    let shifted = x * (2 / Double.pi) + shifter
    let k = shifted - shifter
    let r = ((x - k * p1) - k * p2) - k * p3
    let (sinR, cosR) = polynomialSinCos(r)
    var sine = SIMD2<Double>(), cosine = SIMD2<Double>()
    for lane in 0..<2 {
        switch shifted[lane].bitPattern & 3 {
        case 0: (sine[lane], cosine[lane]) = (sinR[lane], cosR[lane])
        case 1: (sine[lane], cosine[lane]) = (cosR[lane], -sinR[lane])
        case 2: (sine[lane], cosine[lane]) = (-sinR[lane], -cosR[lane])
        default: (sine[lane], cosine[lane]) = (-cosR[lane], sinR[lane])
        }
    }
    return (sine, cosine)
}

/// sin x and cos x of both lanes for |x| ≤ π/4 (else `sinCos`): the polynomials of `sinCos` without
/// its reduction. Used for the small per-sub-block rotations of a tone's offset.
@inline(__always)
func smallSinCos(_ r: SIMD2<Double>) -> (sin: SIMD2<Double>, cos: SIMD2<Double>) {
    guard abs(r.x) <= .pi / 4 && abs(r.y) <= .pi / 4 else { return sinCos(r) }
    return polynomialSinCos(r)
}

/// The Taylor polynomials of sin and cos on |r| ≤ π/4 (the reduced argument of `sinCos`).
@inline(__always)
func polynomialSinCos(_ r: SIMD2<Double>) -> (sin: SIMD2<Double>, cos: SIMD2<Double>) {
    let r2 = r * r
    var sinPoly = SIMD2<Double>(repeating: -1.0 / 1_307_674_368_000)
    sinPoly = sinPoly * r2 + 1.0 / 6_227_020_800
    sinPoly = sinPoly * r2 - 1.0 / 39_916_800
    sinPoly = sinPoly * r2 + 1.0 / 362_880
    sinPoly = sinPoly * r2 - 1.0 / 5040
    sinPoly = sinPoly * r2 + 1.0 / 120
    sinPoly = sinPoly * r2 - 1.0 / 6
    var cosPoly = SIMD2<Double>(repeating: 1.0 / 20_922_789_888_000)
    cosPoly = cosPoly * r2 - 1.0 / 87_178_291_200
    cosPoly = cosPoly * r2 + 1.0 / 479_001_600
    cosPoly = cosPoly * r2 - 1.0 / 3_628_800
    cosPoly = cosPoly * r2 + 1.0 / 40320
    cosPoly = cosPoly * r2 - 1.0 / 720
    cosPoly = cosPoly * r2 + 1.0 / 24
    cosPoly = cosPoly * r2 - 0.5
    return (r + r * r2 * sinPoly, 1 + r2 * cosPoly)
}

/// e^{-j·step·i} for i = 0, 1, 2, ... by recurrence: one cos and one sin per window, not per sub-block.
struct Rotation: Sendable {
    private var c = 1.0, s = 0.0
    private let stepCos: Double, stepSin: Double

    /// A rotation that advances by `stepRadians` per call (negative: clockwise).
    init(stepRadians: Double) {
        stepCos = Double.cos(stepRadians)
        stepSin = Double.sin(stepRadians)
    }

    /// The current (cos, sin); advances by one step.
    mutating func next() -> (Double, Double) {
        let current = (c, s)
        (c, s) = (c * stepCos - s * stepSin, c * stepSin + s * stepCos)
        return current
    }
}
