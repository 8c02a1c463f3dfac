import RealModule

// MARK: - The echo reference

// A line plays prompts, and an analogue line (or a far end without an echo canceller) sends part of what
// it plays back into what the receiver hears. When a prompt happens to hold a tone pair, its echo would
// be a key. The line's own outgoing audio is the reference: the receiver runs the same Goertzel bank
// over it, and a pair whose every tone is explained by the reference (the same frequency, at most
// `echoMaximumDelayMilliseconds` earlier, at least `echoReturnLossDB` louder) is not a key.

extension DTMFDetector {
    /// Feeds `samples` (what the line received) together with `reference` (what the line played over the
    /// same samples' time, sample for sample), and calls `handler` for every key-down and key-up. A pair
    /// that is only the echo of the reference is not reported.
    ///
    /// `reference` should hold as many samples as `samples`: any more are ignored, any fewer count as
    /// silence. Feed every block of a line through this method or every block through `process(_:_:)`,
    /// so that the reference stays aligned with the received audio.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (the handler is the caller's).
    public mutating func process(
        _ samples: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>, _ handler: (Event) -> Void
    ) {
        // In slices of at most one 20 ms frame, so that the reference is never further ahead of the
        // received audio than the echo ring allows for.
        var start = 0
        while start < samples.count {
            let end = min(start + EchoReference.sliceLength, samples.count)
            let referenceEnd = min(end, reference.count)
            if referenceEnd > start {
                echo.feed(UnsafeBufferPointer(rebasing: reference[start..<referenceEnd]), bank: descriptor.bank)
            }
            if referenceEnd < end { echo.feedSilence(end - max(start, referenceEnd), bank: descriptor.bank) }
            process(UnsafeBufferPointer(rebasing: samples[start..<end]), handler)
            start = end
        }
    }

    /// Feeds `samples` with their `reference` given as arrays; a convenience for tests and offline use.
    public mutating func process(_ samples: [Int16], reference: [Int16], _ handler: (Event) -> Void) {
        samples.withUnsafeBufferPointer { s in
            reference.withUnsafeBufferPointer { r in process(s, reference: r, handler) }
        }
    }

    /// Whether the reference explains the pair `low`, `high` fitted over the newest `count` sub-blocks:
    /// at some delay of whole sub-blocks up to the limit, the reference's window of the same length holds
    /// both tones (de-rotated at the same offsets) at least `echoReturnLossDB` louder than received.
    ///
    /// Cost, only for a pair that passed every other test: per tone and sub-block of the searched span
    /// (the window plus the delays, about 40) one complex multiply-add.
    mutating func echoExplains(_ low: Tone, _ high: Tone, count: Int) -> Bool {
        guard echo.active else { return false }
        let newest = subBlockCount - 1
        let delays = descriptor.limits.echoDelaySubBlocks
        // The oldest sub-block any window reaches, no older than the ring holds.
        let oldest = max(newest - Int64(delays + count - 1), echo.subBlockCount - Int64(EchoReference.capacity), 0)
        guard newest - oldest + 1 >= Int64(count), newest < echo.subBlockCount else { return false }
        let factor = descriptor.limits.echoAmplitudeRatio * Double(count * Self.subBlockLength) / 2
        // The least reference window power per tone, |Z|² ≥ (ratio·a·N/2)².
        let least = SIMD2(low.amplitude, high.amplitude) * factor
        let leastPower = least * least
        let lanes = (low.lane, high.lane)
        let span = Int(newest - oldest + 1)
        return echo.withPrefixSums(
            from: oldest, count: span, lanes: lanes,
            stepRadians: SIMD2(low.offsetHz, high.offsetHz)
                * (-2 * .pi * Double(Self.subBlockLength) / Double(Self.sampleRate))
        ) { prefixRe, prefixIm in
            // Window ends from the newest sub-block back by up to `delays`.
            for end in stride(from: span, through: count, by: -1) {
                let re = prefixRe[end] - prefixRe[end - count], im = prefixIm[end] - prefixIm[end - count]
                let power = re * re + im * im
                if all(power .>= leastPower) { return true }
            }
            return false
        }
    }
}

/// What the line played, as the receiver's bank sees it: one complex DFT value per DTMF frequency and
/// sub-block, on the same absolute time axis as the received audio, for the last `capacity` sub-blocks.
struct EchoReference: Sendable {
    /// 64 sub-blocks (160 ms): the longest window (14), the longest delay (26 at 64 ms) and one slice
    /// of reference ahead of the received audio (8), with room to spare.
    static let capacity = 64
    static let sliceLength = 160

    var state: GoertzelBank.State
    /// The samples of the sub-block in progress.
    var pending: [Float]
    var pendingCount = 0
    /// The newest `capacity` sub-blocks' DFT values (`re` and `im`; the energies are not kept), read
    /// through `DTMFDetector.RingReader` like the receiver's own ring.
    var ring: [DTMFDetector.SubBlock]
    /// Reference sub-blocks completed since the start of the stream.
    var subBlockCount: Int64 = 0
    /// Whether any reference has been fed: a receiver fed without one never looks.
    var active = false
    /// Scratch for the prefix sums of the two tones' de-rotated values.
    var scratch: [SIMD2<Double>]

    init(bank: GoertzelBank) {
        state = GoertzelBank.State(bank: bank)
        pending = [Float](repeating: 0, count: DTMFDetector.subBlockLength)
        ring = [DTMFDetector.SubBlock](repeating: DTMFDetector.SubBlock(), count: Self.capacity)
        scratch = [SIMD2<Double>](repeating: SIMD2(), count: 2 * (Self.capacity + 1))
    }

    /// Feeds reference samples. A sub-block of exact zeros (a line playing nothing) gives zero values.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func feed(_ samples: UnsafeBufferPointer<Int16>, bank: GoertzelBank) {
        active = true
        let length = DTMFDetector.subBlockLength
        var index = 0
        while index < samples.count {
            // The common case: a whole sub-block from its first sample, filtered straight from the
            // samples (the same values, in the same order, as through `pending`).
            if pendingCount == 0 && samples.count &- index >= length {
                let input = UnsafeRawPointer(samples.baseAddress! + index)
                var filters = GoertzelBank.Filters()
                let silent = Self.filter(bank, &filters) { quad in
                    SIMD4<Float>(
                        SIMD4<Int32>(
                            truncatingIfNeeded: input.loadUnaligned(fromByteOffset: quad &* 8, as: SIMD4<Int16>.self)))
                }
                endSubBlock(filters, silent: silent, bank: bank)
                index &+= length
                continue
            }
            let take = min(length - pendingCount, samples.count - index)
            for k in 0..<take { pending[pendingCount + k] = Float(samples[index + k]) }
            pendingCount += take
            index += take
            if pendingCount == length { endPendingSubBlock(bank: bank) }
        }
    }

    /// Feeds `count` samples of silence.
    mutating func feedSilence(_ count: Int, bank: GoertzelBank) {
        active = true
        let length = DTMFDetector.subBlockLength
        var left = count
        while left > 0 {
            let take = min(length - pendingCount, left)
            for k in 0..<take { pending[pendingCount + k] = 0 }
            pendingCount += take
            left -= take
            if pendingCount == length { endPendingSubBlock(bank: bank) }
        }
    }

    /// Runs the bank's `filters` (from zero) over one sub-block, whose samples `quad` gives four at a
    /// time; returns whether every sample is zero.
    @inline(__always)
    private static func filter(
        _ bank: GoertzelBank, _ filters: inout GoertzelBank.Filters, _ quad: (Int) -> SIMD4<Float>
    ) -> Bool {
        let coefficient = bank.halfRateCoefficient
        var silent = true
        for index in 0..<(DTMFDetector.subBlockLength / 4) {
            let x = quad(index)
            if any(x .!= 0) { silent = false }
            GoertzelBank.feedQuad(x, &filters, coefficient: coefficient)
        }
        return silent
    }

    /// Ends the sub-block gathered in `pending`.
    private mutating func endPendingSubBlock(bank: GoertzelBank) {
        pendingCount = 0
        var filters = GoertzelBank.Filters()
        let silent = pending.withUnsafeBufferPointer { p in
            Self.filter(bank, &filters) { quad in
                SIMD4(p[4 * quad], p[4 * quad + 1], p[4 * quad + 2], p[4 * quad + 3])
            }
        }
        endSubBlock(filters, silent: silent, bank: bank)
    }

    /// Stores the DFT values of the sub-block whose filters are `filters` (zero values when `silent`) in
    /// the ring.
    @inline(__always)
    private mutating func endSubBlock(_ filters: GoertzelBank.Filters, silent: Bool, bank: GoertzelBank) {
        // Zero filters give zero values; the phase reference advances either way.
        let (r, i) = bank.finishSubBlock(silent ? GoertzelBank.Filters() : filters, &state)
        let slot = Int(subBlockCount & Int64(Self.capacity - 1))
        ring[slot].re = silent ? SIMD8() : r
        ring[slot].im = silent ? SIMD8() : i
        subBlockCount += 1
    }

    /// Calls `body` with the prefix sums (length `count + 1`, the first 0) of the values of `lanes`
    /// over the `count` sub-blocks from `first`, each value turned by `stepRadians` (per tone) per
    /// sub-block from `first` on.
    mutating func withPrefixSums<Result>(
        from first: Int64, count: Int, lanes: (Int, Int), stepRadians: SIMD2<Double>,
        _ body: (UnsafeBufferPointer<SIMD2<Double>>, UnsafeBufferPointer<SIMD2<Double>>) -> Result
    ) -> Result {
        precondition(count <= Self.capacity)
        let stepCos = SIMD2(Double.cos(stepRadians[0]), Double.cos(stepRadians[1]))
        let stepSin = SIMD2(Double.sin(stepRadians[0]), Double.sin(stepRadians[1]))
        let blocks = self.ring  // the same storage, not a copy of the values
        let newest = Int(truncatingIfNeeded: subBlockCount &- 1)
        return blocks.withUnsafeBufferPointer { storage in
            let reader = DTMFDetector.RingReader(
                UnsafeRawPointer(storage.baseAddress!), capacity: Self.capacity, newest: newest)
            return scratch.withUnsafeMutableBufferPointer { scratch in
                let prefixRe = UnsafeMutableBufferPointer(rebasing: scratch[0...count])
                let prefixIm = UnsafeMutableBufferPointer(
                    rebasing: scratch[(Self.capacity + 1)...(Self.capacity + 1 + count)])
                var c = SIMD2<Double>(repeating: 1), s = SIMD2<Double>()
                var sumRe = SIMD2<Double>(), sumIm = SIMD2<Double>()
                prefixRe[0] = sumRe
                prefixIm[0] = sumIm
                for k in 0..<count {
                    let (xRe, xIm) = reader.lanes(lanes, Int(truncatingIfNeeded: first) &+ k)
                    sumRe += xRe * c - xIm * s
                    sumIm += xRe * s + xIm * c
                    prefixRe[k + 1] = sumRe
                    prefixIm[k + 1] = sumIm
                    (c, s) = (c * stepCos - s * stepSin, c * stepSin + s * stepCos)
                }
                return body(UnsafeBufferPointer(prefixRe), UnsafeBufferPointer(prefixIm))
            }
        }
    }
}
