// MARK: - The sub-block ring and the window sums

// Every sub-block's measurements go to a ring of the newest `ringCapacity`, which every later stage
// reads through `RingReader`. Two running sums over the newest 9 and 14 sub-blocks are the windows of
// tier A and tier L; after each sub-block, tracking (a key is down) or detection runs on them.

extension DTMFDetector {
    /// One sub-block's measurements, or their sum over a window.
    struct SubBlock: Sendable {
        var re = SIMD8<Float>()
        var im = SIMD8<Float>()
        var energy: Float = 0
        var lagProduct: Float = 0
        init() {}

        @inline(__always)
        static func += (lhs: inout SubBlock, rhs: SubBlock) {
            lhs.re += rhs.re
            lhs.im += rhs.im
            lhs.energy += rhs.energy
            lhs.lagProduct += rhs.lagProduct
        }

        @inline(__always)
        static func -= (lhs: inout SubBlock, rhs: SubBlock) {
            lhs.re -= rhs.re
            lhs.im -= rhs.im
            lhs.energy -= rhs.energy
            lhs.lagProduct -= rhs.lagProduct
        }
    }

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

    /// The sub-block ring, read in place (see `RingReader`).
    @inline(__always)
    mutating func withRing<Result>(_ body: (RingReader) -> Result) -> Result {
        let newest = Int(truncatingIfNeeded: subBlockCount &- 1)
        return ring.withUnsafeBufferPointer {
            body(RingReader(UnsafeRawPointer($0.baseAddress!), capacity: Self.ringCapacity, newest: newest))
        }
    }

    /// A ring of the newest `capacity` sub-blocks (the receiver's, or the echo reference's), read by
    /// address. A sub-block is named by its number since the start of the stream, and is in slot
    /// number mod `capacity`: the newest is `newest`, the oldest still held `newest - capacity + 1`.
    ///
    /// Each value is one scalar load at its byte offset: indexing a `SIMD8<Float>` by a variable lane
    /// stores the whole vector to the stack first, and copying a `SubBlock` out moves all of it.
    struct RingReader {
        let newest: Int
        private let base: UnsafeRawPointer
        private let mask: Int
        private let stride = MemoryLayout<SubBlock>.stride
        private let reOffset = MemoryLayout<SubBlock>.offset(of: \.re)!
        private let imOffset = MemoryLayout<SubBlock>.offset(of: \.im)!
        private let energyOffset = MemoryLayout<SubBlock>.offset(of: \.energy)!

        @inline(__always)
        init(_ base: UnsafeRawPointer, capacity: Int, newest: Int) {
            assert(capacity & (capacity - 1) == 0)
            self.base = base
            self.mask = capacity - 1
            self.newest = newest
        }

        @inline(__always)
        private func address(_ number: Int) -> UnsafeRawPointer {
            base + (number & mask) &* stride
        }

        /// Sub-block `number`, whole.
        @inline(__always)
        func block(_ number: Int) -> SubBlock {
            address(number).load(as: SubBlock.self)
        }

        /// The DFT value of `lane` in sub-block `number`.
        @inline(__always)
        func lane(_ lane: Int, _ number: Int) -> (re: Float, im: Float) {
            let block = address(number), offset = lane &* MemoryLayout<Float>.stride
            return (
                block.load(fromByteOffset: reOffset &+ offset, as: Float.self),
                block.load(fromByteOffset: imOffset &+ offset, as: Float.self)
            )
        }

        /// The DFT values of two lanes (a tone pair: low, high) in sub-block `number`, as `Double`s.
        @inline(__always)
        func lanes(_ lanes: (Int, Int), _ number: Int) -> (re: SIMD2<Double>, im: SIMD2<Double>) {
            let low = lane(lanes.0, number), high = lane(lanes.1, number)
            return (SIMD2(Double(low.re), Double(high.re)), SIMD2(Double(low.im), Double(high.im)))
        }

        /// The energy of sub-block `number`.
        @inline(__always)
        func energy(_ number: Int) -> Float {
            address(number).load(fromByteOffset: energyOffset, as: Float.self)
        }
    }

    /// Stores `block` as the newest sub-block and keeps `shortSum` and `longSum` equal to the sums of the
    /// newest 9 and 14 sub-blocks.
    ///
    /// The ring is read and written in one access, and the sums are updated in locals and stored once
    /// (through `self` the compiler stores and reloads both after every step). Slots not yet written are
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
        withRing { ring in
            var sum = SubBlock()
            for back in 0..<min(count, ring.newest &+ 1) { sum += ring.block(ring.newest &- back) }
            return sum
        }
    }

    /// The coherent sums of a window: per-lane power, energy and lag-1 product.
    ///
    /// Inlined: a call would copy the window's 80-byte sum to the stack first.
    @inline(__always)
    mutating func windowSums(_ sum: SubBlock) -> (power: SIMD8<Float>, energy: Double, lag: Double) {
        (sum.re * sum.re + sum.im * sum.im, Double(sum.energy), Double(sum.lagProduct))
    }
}
