import RealModule

/// Eight Goertzel filters run side by side in one `SIMD8<Float>`, one lane per DTMF frequency.
///
/// The bank works on short sub-blocks. At the end of each sub-block it turns the filter state into the
/// complex DFT value of that sub-block, phase-referenced to absolute time (sample 0 of the stream), so
/// that consecutive sub-blocks can be summed coherently into a longer DFT or compared in phase to
/// measure a frequency offset. The coefficients are an immutable descriptor; the running state is a
/// separate struct owned by each channel.
public struct GoertzelBank: Sendable, Hashable {
    /// The eight frequencies in Hz, one per lane.
    public let frequencies: SIMD8<Float>
    /// Samples per sub-block.
    public let subBlockLength: Int
    /// Angular frequency per sample of each lane, radians.
    public let omega: SIMD8<Float>
    /// 2 cos(2ω): the recursion coefficient of the two half-rate filters (see `feedPair`).
    public let halfRateCoefficient: SIMD8<Float>
    @usableFromInline let cosOmega: SIMD8<Float>
    @usableFromInline let sinOmega: SIMD8<Float>
    /// cos 2ω and sin 2ω.
    @usableFromInline let cosTwoOmega: SIMD8<Float>
    @usableFromInline let sinTwoOmega: SIMD8<Float>
    /// The absolute phase reference of sub-block m, e^{-jω(mL + L - 1)}, for m over one period: the
    /// references repeat after `references.count` sub-blocks (400 for whole-hertz frequencies, 20-sample
    /// sub-blocks and 8 kHz: one second). Each is rounded once from `Double`, so no error builds up.
    @usableFromInline let references: [Reference]

    /// One sub-block's phase reference per lane.
    public struct Reference: Sendable, Hashable {
        public var re: SIMD8<Float>
        public var im: SIMD8<Float>
    }

    /// A bank for `frequencies` (Hz) at `sampleRate`, with sub-blocks of `subBlockLength` samples.
    public init(frequencies: [Double], sampleRate: Double, subBlockLength: Int) {
        precondition(frequencies.count == 8, "GoertzelBank has eight lanes")
        precondition(subBlockLength > 1 && subBlockLength % 2 == 0, "sub-blocks are whole pairs of samples")
        var f = SIMD8<Float>(), w = SIMD8<Float>(), c = SIMD8<Float>(), cw = SIMD8<Float>(), sw = SIMD8<Float>()
        var c2w = SIMD8<Float>(), s2w = SIMD8<Float>()
        for lane in 0..<8 {
            let omega = 2 * Double.pi * frequencies[lane] / sampleRate
            f[lane] = Float(frequencies[lane])
            w[lane] = Float(omega)
            c[lane] = Float(2 * Double.cos(2 * omega))
            cw[lane] = Float(Double.cos(omega))
            sw[lane] = Float(Double.sin(omega))
            c2w[lane] = Float(Double.cos(2 * omega))
            s2w[lane] = Float(Double.sin(2 * omega))
        }
        self.frequencies = f
        self.subBlockLength = subBlockLength
        self.omega = w
        self.halfRateCoefficient = c
        self.cosOmega = cw
        self.sinOmega = sw
        self.cosTwoOmega = c2w
        self.sinTwoOmega = s2w
        // The period: the least number of sub-blocks after which every lane has turned by whole cycles.
        let cycles = frequencies.map { $0 * Double(subBlockLength) / sampleRate }  // per sub-block
        guard
            let period = (1...8000).first(where: { p in
                cycles.allSatisfy { c in abs(c * Double(p) - (c * Double(p)).rounded()) < 1e-9 }
            })
        else { preconditionFailure("GoertzelBank: the phase references have no period of at most 8000 sub-blocks") }
        self.references = (0..<period).map { m in
            var reference = Reference(re: SIMD8(), im: SIMD8())
            for lane in 0..<8 {
                // The phase reduced to one turn first, in exact arithmetic where the frequencies are whole.
                let turns = (frequencies[lane] * Double(m * subBlockLength + subBlockLength - 1) / sampleRate)
                    .truncatingRemainder(dividingBy: 1)
                reference.re[lane] = Float(Double.cos(2 * Double.pi * turns))
                reference.im[lane] = Float(-Double.sin(2 * Double.pi * turns))
            }
            return reference
        }
    }

    /// The two half-rate filters of a sub-block in progress (even and odd samples; see `feedPair`):
    /// the newest state of each and the one before it. Zero at the start of every sub-block.
    public struct Filters: Sendable, Hashable {
        @usableFromInline var even1 = SIMD8<Float>()
        @usableFromInline var even2 = SIMD8<Float>()
        @usableFromInline var odd1 = SIMD8<Float>()
        @usableFromInline var odd2 = SIMD8<Float>()

        @inlinable
        public init() {}
    }

    /// The per-channel running state of a bank: the filters of a sub-block fed in parts, and the
    /// absolute phase reference.
    public struct State: Sendable, Hashable {
        @usableFromInline var filters = Filters()
        /// The absolute phase reference of the current sub-block's last sample, e^{-jω(n0 + L - 1)}, and
        /// the sub-block's place in the references' period.
        @usableFromInline var rotationRe: SIMD8<Float>
        @usableFromInline var rotationIm: SIMD8<Float>
        @usableFromInline var referenceIndex = 0

        public init(bank: GoertzelBank) {
            rotationRe = bank.references[0].re
            rotationIm = bank.references[0].im
        }
    }

    /// Feeds two consecutive samples, the first at an even place in the sub-block.
    ///
    /// The sub-block's DFT is split by polyphase: the even samples x[2k] and the odd samples x[2k+1]
    /// each run through a Goertzel filter at 2ω (a filter at the half rate), two independent chains
    ///   e[k] = 2cos(2ω)·e[k-1] - e[k-2] + x[2k],  o[k] = 2cos(2ω)·o[k-1] - o[k-2] + x[2k+1],
    /// which `finishSubBlock` recombines. Per pair that is two multiply-adds and two subtractions of
    /// `SIMD8<Float>` (the two-sample form of one filter needs three multiplies and six additions for the
    /// same shortening of the dependent chain), and the chains' latencies overlap.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func feedPair(_ x1: Float, _ x2: Float, _ state: inout Filters) {
        let even = (SIMD8(repeating: x1) - state.even2) + halfRateCoefficient * state.even1
        let odd = (SIMD8(repeating: x2) - state.odd2) + halfRateCoefficient * state.odd1
        state.even2 = state.even1
        state.even1 = even
        state.odd2 = state.odd1
        state.odd1 = odd
    }

    /// Feeds four consecutive samples, the first at an even place in the sub-block: two steps of each
    /// half-rate filter, written so that each new state is computed into the place of the state it
    /// replaces (`feedPair` alone moves every state from one register to another on each step).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func feedQuad(_ x: SIMD4<Float>, _ state: inout Filters) {
        Self.feedQuad(x, &state, coefficient: halfRateCoefficient)
    }

    /// `feedQuad` with the bank's `halfRateCoefficient` given, for a loop that holds it in registers
    /// rather than a copy of the whole bank.
    @inlinable @inline(__always)
    public static func feedQuad(_ x: SIMD4<Float>, _ state: inout Filters, coefficient: SIMD8<Float>) {
        let even = (SIMD8(repeating: x[0]) - state.even2) + coefficient * state.even1
        let odd = (SIMD8(repeating: x[1]) - state.odd2) + coefficient * state.odd1
        state.even1 = (SIMD8(repeating: x[2]) - state.even1) + coefficient * even
        state.odd1 = (SIMD8(repeating: x[3]) - state.odd1) + coefficient * odd
        state.even2 = even
        state.odd2 = odd
    }

    /// Ends a sub-block fed through `state`'s own filters: returns its complex DFT value per lane,
    /// referenced to absolute time, and resets the filters for the next sub-block.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func finishSubBlock(_ state: inout State) -> (re: SIMD8<Float>, im: SIMD8<Float>) {
        let filters = state.filters
        state.filters = Filters()
        return finishSubBlock(filters, &state)
    }

    /// Ends a sub-block whose whole `filters` the caller ran itself (from zero): returns its complex DFT
    /// value per lane, referenced to absolute time, and advances `state`'s reference.
    ///
    /// Always inlined: an outlined call copies the whole bank (336 bytes, a `memcpy`) to the stack on
    /// every sub-block.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func finishSubBlock(_ filters: Filters, _ state: inout State) -> (re: SIMD8<Float>, im: SIMD8<Float>) {
        // Each half-rate filter (M = L/2 steps at 2ω) holds u1 - e^{-j2ω} u2 = Σ_k u[k] e^{j2ω(M-1-k)}, and
        // the sub-block's y = Σ x[i] e^{jω(L-1-i)} = e^{jω}·(even part) + (odd part), which simplifies to
        //   y = cos ω·(e1 - e2) + o1 - cos 2ω·o2  +  j·(sin ω·(e1 + e2) + sin 2ω·o2).
        // Then X = e^{-jω(n0+L-1)} · y.
        let yRe = cosOmega * (filters.even1 - filters.even2) + (filters.odd1 - cosTwoOmega * filters.odd2)
        let yIm = sinOmega * (filters.even1 + filters.even2) + sinTwoOmega * filters.odd2
        let re = state.rotationRe * yRe - state.rotationIm * yIm
        let im = state.rotationRe * yIm + state.rotationIm * yRe
        // The next sub-block's reference, from the table.
        let next = state.referenceIndex &+ 1
        state.referenceIndex = next == references.count ? 0 : next
        let reference = references[state.referenceIndex]
        state.rotationRe = reference.re
        state.rotationIm = reference.im
        return (re, im)
    }
}
