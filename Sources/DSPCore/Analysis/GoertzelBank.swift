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
    /// 2 cos(ω): the Goertzel recursion coefficient.
    @usableFromInline let coefficient: SIMD8<Float>
    /// (2 cos ω)² - 1: the coefficient of the two-sample step.
    @usableFromInline let pairCoefficient: SIMD8<Float>
    @usableFromInline let cosOmega: SIMD8<Float>
    @usableFromInline let sinOmega: SIMD8<Float>
    /// e^{-jω·subBlockLength}: advances the absolute phase reference by one sub-block.
    @usableFromInline let stepRe: SIMD8<Float>
    @usableFromInline let stepIm: SIMD8<Float>
    /// e^{-jω(subBlockLength - 1)}: the rotation of the first sub-block.
    @usableFromInline let firstRe: SIMD8<Float>
    @usableFromInline let firstIm: SIMD8<Float>

    /// A bank for `frequencies` (Hz) at `sampleRate`, with sub-blocks of `subBlockLength` samples.
    public init(frequencies: [Double], sampleRate: Double, subBlockLength: Int) {
        precondition(frequencies.count == 8, "GoertzelBank has eight lanes")
        precondition(subBlockLength > 1)
        var f = SIMD8<Float>(), w = SIMD8<Float>(), c = SIMD8<Float>(), cw = SIMD8<Float>(), sw = SIMD8<Float>()
        var sr = SIMD8<Float>(), si = SIMD8<Float>(), fr = SIMD8<Float>(), fi = SIMD8<Float>()
        for lane in 0..<8 {
            let omega = 2 * Double.pi * frequencies[lane] / sampleRate
            f[lane] = Float(frequencies[lane])
            w[lane] = Float(omega)
            c[lane] = Float(2 * Double.cos(omega))
            cw[lane] = Float(Double.cos(omega))
            sw[lane] = Float(Double.sin(omega))
            sr[lane] = Float(Double.cos(omega * Double(subBlockLength)))
            si[lane] = Float(-Double.sin(omega * Double(subBlockLength)))
            fr[lane] = Float(Double.cos(omega * Double(subBlockLength - 1)))
            fi[lane] = Float(-Double.sin(omega * Double(subBlockLength - 1)))
        }
        self.frequencies = f
        self.subBlockLength = subBlockLength
        self.omega = w
        self.coefficient = c
        self.pairCoefficient = c * c - 1
        self.cosOmega = cw
        self.sinOmega = sw
        self.stepRe = sr
        self.stepIm = si
        self.firstRe = fr
        self.firstIm = fi
    }

    /// The per-channel running state of a bank.
    public struct State: Sendable, Hashable {
        @usableFromInline var s1 = SIMD8<Float>()
        @usableFromInline var s2 = SIMD8<Float>()
        /// The absolute phase reference of the current sub-block's last sample, e^{-jω(n0 + L - 1)}.
        @usableFromInline var rotationRe: SIMD8<Float>
        @usableFromInline var rotationIm: SIMD8<Float>

        public init(bank: GoertzelBank) {
            rotationRe = bank.firstRe
            rotationIm = bank.firstIm
        }
    }

    /// Feeds one sample to all eight filters.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func feed(_ sample: Float, _ state: inout State) {
        let s0 = coefficient * state.s1 + (SIMD8(repeating: sample) - state.s2)
        state.s2 = state.s1
        state.s1 = s0
    }

    /// Feeds two consecutive samples at once. The same recursion, rewritten so that both new states
    /// depend only on the two old ones:
    ///   s[n+1] = c·s[n] - s[n-1] + x1
    ///   s[n+2] = (c² - 1)·s[n] - c·s[n-1] + c·x1 + x2
    /// which halves the chain of dependent multiply-adds per sample (the loop is latency-bound).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func feedPair(_ x1: Float, _ x2: Float, _ state: inout State) {
        let first = SIMD8(repeating: x1)
        let second = SIMD8(repeating: x2)
        let s1 = state.s1, s2 = state.s2
        let next = coefficient * s1 + (first - s2)
        let afterNext = pairCoefficient * s1 + ((coefficient * first + second) - coefficient * s2)
        state.s2 = next
        state.s1 = afterNext
    }

    /// Ends a sub-block: returns its complex DFT value per lane, referenced to absolute time, and resets
    /// the filters for the next sub-block.
    ///
    /// Always inlined: called through a `static let` descriptor, an outlined call copied the whole
    /// descriptor (336 bytes, a `memcpy`) to the stack on every sub-block.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable @inline(__always)
    public func finishSubBlock(_ state: inout State) -> (re: SIMD8<Float>, im: SIMD8<Float>) {
        // y = s1 - e^{-jω} s2 = Σ x[i] e^{jω(L-1-i)};  X = e^{-jω(n0+L-1)} · y.
        let yRe = state.s1 - cosOmega * state.s2
        let yIm = sinOmega * state.s2
        let re = state.rotationRe * yRe - state.rotationIm * yIm
        let im = state.rotationRe * yIm + state.rotationIm * yRe
        // Advance the reference by one sub-block and hold its magnitude at 1.
        var nextRe = state.rotationRe * stepRe - state.rotationIm * stepIm
        var nextIm = state.rotationRe * stepIm + state.rotationIm * stepRe
        let correction = 1.5 - 0.5 * (nextRe * nextRe + nextIm * nextIm)
        nextRe *= correction
        nextIm *= correction
        state.rotationRe = nextRe
        state.rotationIm = nextIm
        state.s1 = SIMD8()
        state.s2 = SIMD8()
        return (re, im)
    }
}
