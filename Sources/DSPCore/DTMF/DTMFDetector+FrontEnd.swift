// MARK: - The per-sample front end

// Each sample goes to the eight Goertzel filters (`GoertzelBank`) and to the history ring; at the end of
// a sub-block the bank gives its DFT values and the history its energy and lag-1 product. Nothing else
// runs per sample.

extension DTMFDetector {
    /// Feeds part of a sub-block (the general path; `wholeSubBlock` takes whole ones) to the filters two
    /// or four at a time, pairs aligned to even sample numbers, so that the arithmetic (and so every
    /// event) is the same whatever the caller's block size: an odd sample at the end of a call waits for
    /// the first sample of the next.
    ///
    /// Cost: per four samples one `GoertzelBank.feedQuad` and one store to the history; nothing else. The
    /// sub-block's energy and lag-1 product are read back from the history once per sub-block
    /// (`subBlockEnergy`), which keeps the loop's vector registers for the filter state and coefficients.
    @inline(__always)
    mutating func feed(_ samples: UnsafeBufferPointer<Int16>, from start: Int, count: Int) {
        let startState = goertzel
        let startWaiting = waitingSample
        let startPosition = Int(sampleCount) & (Self.historyCapacity - 1)
        let bank = descriptor.bank
        // Everything the loop changes is local to the closure and handed back at the end, so the
        // closure captures nothing mutable (a captured `var` costs a dynamic exclusivity check).
        let (state, waiting) = history.withUnsafeMutableBufferPointer {
            history -> (GoertzelBank.State, Float?) in
            let mask = Self.historyCapacity - 1
            var state = startState, waiting = startWaiting
            var position = startPosition
            var i = start
            let end = start &+ count
            if let first = waiting, i < end {
                let second = Float(samples[i])
                history[position] = second
                if position < Self.historyMirror { history[position &+ Self.historyCapacity] = second }
                position = (position &+ 1) & mask
                bank.feedPair(first, second, &state.filters)
                waiting = nil
                i &+= 1
            }
            // Here `position` is even (pairs start at even sample numbers and the capacity is even), so
            // a pair never straddles the end of the ring. One pair brings it to a multiple of 4, from where
            // whole quads follow (the capacity is a multiple of 4 too).
            if position & 2 != 0, i &+ 1 < end {
                let first = Float(samples[i]), second = Float(samples[i &+ 1])
                Self.storePair(first, second, at: position, in: history)
                position = (position &+ 2) & mask
                bank.feedPair(first, second, &state.filters)
                i &+= 2
            }
            let input = UnsafeRawPointer(samples.baseAddress!)
            let output = UnsafeMutableRawPointer(history.baseAddress!)
            while i &+ 3 < end {
                let raw = input.loadUnaligned(fromByteOffset: i &* 2, as: SIMD4<Int16>.self)
                let x = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: raw))
                output.storeBytes(of: x, toByteOffset: position &* 4, as: SIMD4<Float>.self)
                if position == 0 {
                    output.storeBytes(of: x, toByteOffset: Self.historyCapacity &* 4, as: SIMD4<Float>.self)
                }
                position = (position &+ 4) & mask
                bank.feedQuad(x, &state.filters)
                i &+= 4
            }
            while i &+ 1 < end {
                let first = Float(samples[i]), second = Float(samples[i &+ 1])
                Self.storePair(first, second, at: position, in: history)
                position = (position &+ 2) & mask
                bank.feedPair(first, second, &state.filters)
                i &+= 2
            }
            if i < end {
                let x = Float(samples[i])
                history[position] = x
                if position < Self.historyMirror { history[position &+ Self.historyCapacity] = x }
                waiting = x
            }
            return (state, waiting)
        }
        goertzel = state
        waitingSample = waiting
        positionInSubBlock &+= count
        sampleCount &+= Int64(count)
    }

    /// Stores a pair of samples at the even `position` of the history, and again in the mirror after the
    /// ring's end when the position is among the first (`historyMirror`).
    @inline(__always)
    static func storePair(
        _ first: Float, _ second: Float, at position: Int, in history: UnsafeMutableBufferPointer<Float>
    ) {
        history[position] = first
        history[position &+ 1] = second
        if position < historyMirror {
            history[position &+ historyCapacity] = first
            history[position &+ 1 &+ historyCapacity] = second
        }
    }

    /// Feeds the whole sub-block that starts at `samples[start]` (the receiver being at the start of a
    /// sub-block) and returns its DFT values: `feed` and `GoertzelBank.finishSubBlock` with the filters
    /// started from zero and kept in registers, never stored.
    ///
    /// Cost: per four samples one conversion, one store and one `GoertzelBank.feedQuad`.
    @inline(__always)
    mutating func wholeSubBlock(_ samples: UnsafeBufferPointer<Int16>, from start: Int) -> (
        re: SIMD8<Float>, im: SIMD8<Float>
    ) {
        let position = Int(sampleCount) & (Self.historyCapacity - 1)
        assert(position & 3 == 0 && waitingSample == nil)
        // Only the coefficient goes into the loop: the closure may not read `self`, and a copy of the
        // whole bank is 32 moves a sub-block.
        let coefficient = descriptor.bank.halfRateCoefficient
        let sums = history.withUnsafeMutableBufferPointer { history -> GoertzelBank.Filters in
            let input = UnsafeRawPointer(samples.baseAddress! + start)
            let output = UnsafeMutableRawPointer(history.baseAddress!)
            var filters = GoertzelBank.Filters()
            for quad in 0..<(Self.subBlockLength / 4) {
                let raw = input.loadUnaligned(fromByteOffset: quad &* 8, as: SIMD4<Int16>.self)
                let x = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: raw))
                // A sub-block starts at a multiple of 4 in the ring, so a quad never straddles its end.
                let place = (position &+ 4 &* quad) & (Self.historyCapacity - 1)
                output.storeBytes(of: x, toByteOffset: place &* 4, as: SIMD4<Float>.self)
                if place == 0 {
                    output.storeBytes(of: x, toByteOffset: Self.historyCapacity &* 4, as: SIMD4<Float>.self)
                }
                GoertzelBank.feedQuad(x, &filters, coefficient: coefficient)
            }
            return filters
        }
        sampleCount &+= Int64(Self.subBlockLength)
        return descriptor.bank.finishSubBlock(sums, &goertzel)
    }

    /// The energy and lag-1 product of the sub-block that has just ended, read back from the history.
    ///
    /// A sub-block starts at a multiple of 4 in the ring (its length and the capacity are multiples of 4),
    /// so it is five whole `SIMD4<Float>` loads, none straddling the end of the ring (the sub-block may);
    /// the lag-1 products take each of them against the four samples one place earlier, one unaligned
    /// load that the mirror after the ring's end (`historyMirror`) keeps whole. Four lanes of partial
    /// sums, added at the end.
    ///
    /// Cost: ten loads and four `SIMD4<Float>` multiply-adds per sub-block.
    @inline(__always)
    mutating func subBlockEnergy() -> (energy: Float, lag: Float) {
        let mask = Self.historyCapacity - 1
        let first = Int(truncatingIfNeeded: sampleCount &- Int64(Self.subBlockLength)) & mask
        assert(first & 3 == 0)
        return history.withUnsafeBufferPointer { history -> (Float, Float) in
            let base = UnsafeRawPointer(history.baseAddress!)
            @inline(__always) func load(_ index: Int) -> SIMD4<Float> {
                base.loadUnaligned(fromByteOffset: (index & mask) &* 4, as: SIMD4<Float>.self)
            }
            let v0 = load(first), v1 = load(first &+ 4), v2 = load(first &+ 8), v3 = load(first &+ 12)
            let v4 = load(first &+ 16)
            let b0 = load(first &- 1), b1 = load(first &+ 3), b2 = load(first &+ 7), b3 = load(first &+ 11)
            let b4 = load(first &+ 15)
            let energy = ((v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)) + v4 * v4
            let lag = ((v0 * b0 + v1 * b1) + (v2 * b2 + v3 * b3)) + v4 * b4
            return Self.laneSums(energy, lag)
        }
    }

    /// The sums of the lanes of `a` and of `b`. Out of line: inlined, it leads the compiler to transpose
    /// the vector products before it, a dozen shuffles per load.
    @inline(never)
    static func laneSums(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> (Float, Float) {
        let a2 = a.lowHalf + a.highHalf, b2 = b.lowHalf + b.highHalf
        return (a2.x + a2.y, b2.x + b2.y)
    }
}
