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
                echo.feed(UnsafeBufferPointer(rebasing: reference[start..<referenceEnd]))
            }
            if referenceEnd < end { echo.feedSilence(end - max(start, referenceEnd)) }
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
        echo.computeValues(from: oldest, count: span, bank: descriptor.bank)
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
///
/// The samples are kept as they come; a sub-block's values are worked out the first time an echo check
/// reads them (`computeValues`), which only a pair that passed every other test does: most lines play
/// for hours and never need one.
struct EchoReference: Sendable {
    /// 64 sub-blocks (160 ms): the longest window (14), the longest delay (26 at 64 ms) and one slice
    /// of reference ahead of the received audio (8), with room to spare.
    static let capacity = 64
    static let sliceLength = 160
    /// Sub-blocks of samples kept: twice `capacity`, so that the sub-block in progress never overwrites
    /// the samples of one whose values may still be asked for.
    static let sampleCapacity = 2 * capacity

    /// The newest `sampleCapacity` sub-blocks' samples: sub-block `n` at `(n mod sampleCapacity) ×
    /// subBlockLength`, the one in progress included.
    var samples: [Int16]
    /// The samples of the sub-block in progress (number `subBlockCount`) so far.
    var pendingCount = 0
    /// The DFT values (`re` and `im`; the energies are not kept) of sub-blocks, sub-block `n` in slot
    /// `n mod capacity`, read through `DTMFDetector.RingReader` like the receiver's own ring.
    var ring: [DTMFDetector.SubBlock]
    /// The sub-block whose values each slot of `ring` holds (-1: none yet).
    var valuesOf: [Int64]
    /// Reference sub-blocks completed since the start of the stream.
    var subBlockCount: Int64 = 0
    /// Whether any reference has been fed: a receiver fed without one never looks.
    var active = false
    /// Scratch for the prefix sums of the two tones' de-rotated values.
    var scratch: [SIMD2<Double>]

    init() {
        samples = [Int16](repeating: 0, count: Self.sampleCapacity * DTMFDetector.subBlockLength)
        ring = [DTMFDetector.SubBlock](repeating: DTMFDetector.SubBlock(), count: Self.capacity)
        valuesOf = [Int64](repeating: -1, count: Self.capacity)
        scratch = [SIMD2<Double>](repeating: SIMD2(), count: 2 * (Self.capacity + 1))
    }

    /// Feeds reference samples (kept, not yet filtered).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func feed(_ input: UnsafeBufferPointer<Int16>) {
        store(input.count) { target, offset, count in
            target.update(from: input.baseAddress! + offset, count: count)
        }
    }

    /// Feeds `count` samples of silence.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func feedSilence(_ count: Int) {
        store(count) { target, _, count in target.update(repeating: 0, count: count) }
    }

    /// Appends `count` samples to the ring, which `write` puts at a place it is given, at most a
    /// sub-block at a time: (the place, the offset of its first sample among the `count`, how many).
    @inline(__always)
    private mutating func store(
        _ count: Int, _ write: (UnsafeMutablePointer<Int16>, Int, Int) -> Void
    ) {
        active = true
        let length = DTMFDetector.subBlockLength
        var filled = pendingCount, completed = subBlockCount
        samples.withUnsafeMutableBufferPointer { ring in
            var offset = 0
            while offset < count {
                let take = min(length &- filled, count &- offset)
                let slot = Int(completed & Int64(Self.sampleCapacity - 1))
                write(ring.baseAddress! + (slot &* length &+ filled), offset, take)
                filled &+= take
                offset &+= take
                if filled == length {
                    filled = 0
                    completed &+= 1
                }
            }
        }
        pendingCount = filled
        subBlockCount = completed
    }

    /// Works out the DFT values of the completed sub-blocks `first ..< first + count` that `ring` does
    /// not hold yet: the bank's filters over the sub-block's samples, referenced to absolute time by the
    /// bank's phase reference of that sub-block (the references in turn from the stream's start). A
    /// sub-block of exact zeros (a line playing nothing) has zero values.
    ///
    /// Cost: per sub-block not yet worked out, what the receiver's front end spends on one.
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func computeValues(from first: Int64, count: Int, bank: GoertzelBank) {
        let length = DTMFDetector.subBlockLength
        let coefficient = bank.halfRateCoefficient
        for number in first..<(first + Int64(count)) {
            let slot = Int(number & Int64(Self.capacity - 1))
            guard valuesOf[slot] != number else { continue }
            let start = Int(number & Int64(Self.sampleCapacity - 1)) * length
            var filters = GoertzelBank.Filters()
            var silent = true
            samples.withUnsafeBufferPointer { ring in
                let input = UnsafeRawPointer(ring.baseAddress! + start)
                for quad in 0..<(length / 4) {
                    let raw = input.loadUnaligned(fromByteOffset: quad &* 8, as: SIMD4<Int16>.self)
                    let x = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: raw))
                    if any(x .!= 0) { silent = false }
                    GoertzelBank.feedQuad(x, &filters, coefficient: coefficient)
                }
            }
            var state = GoertzelBank.State(bank: bank)
            let reference = bank.references[Int(number % Int64(bank.references.count))]
            state.rotationRe = reference.re
            state.rotationIm = reference.im
            // Zero filters give zero values.
            let (re, im) = bank.finishSubBlock(silent ? GoertzelBank.Filters() : filters, &state)
            ring[slot].re = silent ? SIMD8() : re
            ring[slot].im = silent ? SIMD8() : im
            valuesOf[slot] = number
        }
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
