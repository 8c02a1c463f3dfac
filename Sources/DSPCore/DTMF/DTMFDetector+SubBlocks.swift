// The helpers below only read the receiver, but they are `mutating` all the same: a non-mutating
// method called from a mutating one made the compiler copy the whole receiver for each call (seen in
// perf and callgrind: 18 % of the instructions on silence). As `mutating` they get `self` by address.

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
    mutating func windowSums(_ sum: SubBlock) -> (power: SIMD8<Float>, energy: Double, lag: Double) {
        (sum.re * sum.re + sum.im * sum.im, Double(sum.energy), Double(sum.lagProduct))
    }
}
