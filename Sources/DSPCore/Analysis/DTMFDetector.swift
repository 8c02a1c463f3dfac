import RealModule

/// A streaming DTMF receiver for 8 kHz audio (ITU-T Q.24).
///
/// ## How it works
/// Eight Goertzel filters (`GoertzelBank`) run over sub-blocks of 20 samples (2.5 ms) and give one
/// complex DFT value per DTMF frequency and sub-block, phase-referenced to absolute time, and keep the
/// samples in a history ring. That is all the per-sample work; the sub-block's energy and lag-1 product
/// are read back from the ring once per sub-block.
///
/// After every sub-block a cheap gate looks at the last 22.5 ms (9 sub-blocks summed coherently): the
/// strongest row and column bins must carry a share of the window's energy. Only when the gate opens
/// does the receiver validate the pair:
/// - each tone's frequency offset, from the phase advance between the first and last 10 ms of the
///   window (Q.24: detect within ±1.5 %, reject beyond ±3.5 %);
/// - each tone's amplitude, from the window sum de-rotated by that offset, and so the level and twist;
/// - purity: the two tones' share of the window energy; the residual's lag-1 correlation, which tells
///   white noise (near 0) from speech (near 1);
/// - stability: the two halves of the window agree in amplitude; the other bins of each group stay
///   well below the chosen one.
///
/// A clean pair passes tier A. A pair over speech or music is checked again over 35 ms (tier L):
/// tighter frequency and stability, a purity bar that depends on the residual's character, and a veto
/// when the two "tones" are harmonics of one voice (the residual is periodic at a lag where both tones
/// are in phase); it must hold for 36 ms. A change-point search
/// over the recent samples, with the fitted two-tone model, finds the tone's onset to within a few
/// samples; the key-down is reported as soon as the tone has lasted `minimumToneMilliseconds`
/// (more than 20 ms, so that 20 ms tones are rejected). The key-up comes after `releaseMilliseconds`
/// without the pair, so that a short dropout inside one press does not split it into two.
///
/// ## Cost
/// Per sample: one step of one of the two half-rate Goertzel filters of `GoertzelBank` (three `SIMD8<Float>`
/// operations), fed four samples at a time with one conversion and one store to the history.
/// Per sub-block: a few dozen SIMD operations (the filters' recombination, a table lookup for the phase
/// reference, the energy read back, two running window sums). Validation runs only while a candidate is
/// present.
/// Real-time safe after `init`: `process` allocates nothing, takes no locks and never blocks.
public struct DTMFDetector: Sendable {
    /// Settable limits, with defaults that meet Q.24 with margin.
    public struct Configuration: Sendable, Hashable {
        /// The lowest level per tone that is detected, dBm0. Q.24 asks for -25; the default detects -30.
        public var minimumLevelDBm0: Double = -36
        /// The largest normal twist (low group louder than high group) accepted, dB. Q.24: 8 must pass.
        public var maximumNormalTwistDB: Double = 10
        /// The largest reverse twist (high group louder) accepted, dB. Q.24: 4 must pass.
        public var maximumReverseTwistDB: Double = 6
        /// The largest frequency deviation accepted, as a fraction. Q.24: 0.015 must pass, 0.035 must not.
        public var frequencyTolerance: Double = 0.02
        /// How long a tone must last before it is reported, ms. Q.24: 40 must pass, 20 must not.
        public var minimumToneMilliseconds: Double = 22.5
        /// How long the pair must be absent before the key is released, ms. Q.24: a 10 ms interruption
        /// must not end a key; a 40 ms pause must.
        public var releaseMilliseconds: Double = 25

        // Tier A: 22.5 ms, clean signals and white noise.
        /// The share of the window's energy the two tones must carry when the residual is not white.
        public var purity: Double = 0.75
        /// The share accepted when the residual is white noise (and the twist within Q.24's range).
        public var whiteNoisePurity: Double = 0.6
        /// The largest |lag-1 correlation| of the residual that counts as white.
        public var whiteResidualCorrelation: Double = 0.35
        /// The least margin of the chosen bin over the others in its group, dB.
        public var groupMarginDB: Double = 8
        /// The largest difference in amplitude between the window's two halves, dB.
        public var stabilityDB: Double = 3
        /// The largest frequency deviation in tier A, as a fraction (the configurable outer limit is
        /// `frequencyTolerance`; tier A uses the smaller of the two).
        public var cleanFrequencyTolerance: Double = 0.016
        /// In tier A outside white noise, the least energy of the weaker tone relative to the residual's
        /// (everything in the window but the pair), dB.
        public var weakerToneOverResidualDB: Double = 0
        /// The harmonic-lock veto's cosine in tier A (see `harmonicCosine`).
        public var cleanHarmonicCosine: Double = 0.7

        // Tier L: 35 ms, a pair over speech or music.
        /// The share of the window's energy the tones must carry when the residual is speech-like.
        public var interferedPurity: Double = 0.4
        /// The share required when the residual is neither white nor speech-like.
        public var interferedOtherPurity: Double = 0.6
        /// The lag-1 correlation of the residual from which it counts as speech-like.
        public var speechResidualCorrelation: Double = 0.7
        /// The largest frequency deviation, as a fraction.
        public var interferedFrequencyTolerance: Double = 0.006
        /// The largest amplitude difference between the halves, and between a quarter and the mean, dB.
        public var interferedStabilityDB: Double = 3
        public var interferedQuarterStabilityDB: Double = 4
        /// The twist range, dB (normal, reverse).
        public var interferedMaximumNormalTwistDB: Double = 6
        public var interferedMaximumReverseTwistDB: Double = 4
        /// How long the pair must hold, ms.
        public var interferedMinimumToneMilliseconds: Double = 36
        /// The harmonic-lock veto: when the residual is periodic (normalised autocorrelation at least
        /// this) and both tones are near-harmonics of its period (cosine at least `harmonicCosine`), the
        /// "tones" are two harmonics of one voice.
        public var harmonicCorrelation: Double = 0.5
        public var harmonicCosine: Double = 0.7

        // Tier L's speech path: a digit at the level of speech. Tried when tier L fails and the residual
        // is speech-like; purity is measured on the first difference of the signal (a gentle high-pass
        // that takes the speech energy below 600 Hz out of the count), and the stability and margin
        // limits make room for speech beating with the tones. Its harmonic veto is stricter.
        /// The tones' share of the differenced window's energy.
        public var speechPathPurity: Double = 0.6
        /// The least margin over the other bins of each group, dB.
        public var speechPathGroupMarginDB: Double = 2
        /// The largest amplitude difference between the halves, and between a quarter and the mean, dB.
        public var speechPathStabilityDB: Double = 8
        public var speechPathQuarterStabilityDB: Double = 10
        /// The harmonic-lock veto's cosine on this path.
        public var speechPathHarmonicCosine: Double = 0.5

        /// A pair both of whose tones were already sounding just before its onset, at least this loud
        /// relative to the pair (dB), is part of music or speech that was there before, not a key.
        public var preOnsetLevelDB: Double = -12
        /// A pair either of whose tones has a second harmonic at least this loud relative to the tone (dB)
        /// is two partials of music, not a key (whose generator keeps other frequencies 20 dB down).
        public var harmonicLevelDB: Double = -14
        /// The same for a partial of the octave below either tone (3/2 of the low tone, 1/2 of the high).
        public var lowerOctaveLevelDB: Double = -3

        // The echo reference (`process(_:reference:_:)`): a pair is the echo of what the line played when
        // the reference held both tones, up to this delay earlier and at least this much louder.
        /// The longest echo delay looked for, ms.
        public var echoMaximumDelayMilliseconds: Double = 64
        /// The least loss from the reference to the received echo, dB. An echo is at least 6 dB down;
        /// the margin covers the line's filtering and a delay that is not a whole number of sub-blocks.
        public var echoReturnLossDB: Double = 3

        public init() {}
    }

    /// A key going down or coming up.
    public struct Event: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// The key was recognised. `reportedSample` is where the receiver became sure.
            case keyDown
            /// The key was released. `durationSamples` is the measured length of the tone.
            case keyUp
        }

        public var kind: Kind
        public var digit: DTMFDigit
        /// The estimated first sample of the tone, counted from the start of the stream.
        public var onsetSample: Int64
        /// The sample at which the receiver reported this event (the end of the sub-block it decided in).
        public var reportedSample: Int64
        /// The sample at which the key-down of this key was reported (equal to `reportedSample` for a
        /// key-down), so that a key-up carries the key's report latency too.
        public var keyDownReportedSample: Int64
        /// The measured length of the tone in samples (for key-up; for key-down, the length so far).
        public var durationSamples: Int64
        /// The level of the low-group tone, dBm0.
        public var lowLevelDBm0: Double
        /// The level of the high-group tone, dBm0.
        public var highLevelDBm0: Double
        /// What the pair stood out from when it was recognised.
        public var evidence: Evidence

        /// What a key's pair stood out from when the receiver recognised it: which of its tests it passed.
        public enum Evidence: String, Sendable, Hashable, CaseIterable {
            /// A clean pair over 22.5 ms (tier A).
            case clean
            /// A pair in white noise (tier A, the lower purity bar for a white residual).
            case noise
            /// A pair over speech or music over 35 ms (tier L).
            case interfered
            /// A pair at the level of speech (tier L's speech path).
            case speech
        }

        public init(
            kind: Kind, digit: DTMFDigit, onsetSample: Int64, reportedSample: Int64, keyDownReportedSample: Int64,
            durationSamples: Int64, lowLevelDBm0: Double, highLevelDBm0: Double, evidence: Evidence = .clean
        ) {
            self.evidence = evidence
            self.keyDownReportedSample = keyDownReportedSample
            self.kind = kind
            self.digit = digit
            self.onsetSample = onsetSample
            self.reportedSample = reportedSample
            self.durationSamples = durationSamples
            self.lowLevelDBm0 = lowLevelDBm0
            self.highLevelDBm0 = highLevelDBm0
        }
    }

    /// The sample rate the receiver works at. Resample other rates first.
    public static let sampleRate = 8000
    static let subBlockLength = 20
    static let windowSubBlocks = 9
    static let longWindowSubBlocks = 14
    static let ringCapacity = 32
    static let recountInterval: Int64 = 64
    static let historyCapacity = 1024
    /// The history's first samples are kept a second time after its end, so that four samples from any
    /// place in the ring can be read with one vector load (`subBlockEnergy`).
    static let historyMirror = 4

    /// The descriptor shared by every channel: coefficients and thresholds, computed once.
    static let bank = GoertzelBank(
        frequencies: DTMFDigit.rowFrequencies + DTMFDigit.columnFrequencies,
        sampleRate: Double(sampleRate), subBlockLength: subBlockLength)

    public let configuration: Configuration
    let limits: Limits
    /// `bank`, held by each receiver: reading the `static let` on every sub-block went through
    /// `swift_once` twice (the lazy global's guard), about 1 % of the work on every kind of audio.
    let filters: GoertzelBank

    // Per-sample state.
    var goertzel: GoertzelBank.State
    var positionInSubBlock = 0
    /// The first sample of a pair whose second has not arrived yet.
    var waitingSample: Float?
    var history: [Float]
    /// Samples consumed since the start of the stream.
    public private(set) var sampleCount: Int64 = 0

    // Per-sub-block state.
    var ring: [SubBlock]
    var subBlockCount: Int64 = 0
    /// Running sums over the newest 9 and 14 sub-blocks (the two windows), kept exact by a full
    /// recount every `recountInterval` sub-blocks so that rounding cannot build up.
    var shortSum = SubBlock()
    var longSum = SubBlock()
    /// Set while the sums are not kept (a key is down); the next sub-block without a key recounts them.
    var windowSumsStale = false
    var key: KeyState?
    /// The tracking constants of `key`; meaningful only while `key` is not nil.
    var tracker = Tracker()
    /// The last sample of the previous key. No window that reaches back into it can hold a new key
    /// (Q.24 keys are separated by at least 40 ms), so detection skips such windows.
    var previousKeyEnd = Int64.min
    /// Set when the last evaluation found nothing near a key: the next sub-block is not evaluated.
    var skipNextDetection = false
    /// Scratch space for the residual of the harmonic-lock veto and the gains of the change-point
    /// searches, allocated once.
    var residual: [Double]
    /// What the line played, when the caller gives it (`process(_:reference:_:)`).
    var echo: EchoReference

    /// A receiver with `configuration`. Allocates its buffers here and never again.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.limits = Limits(configuration)
        self.filters = Self.bank
        self.goertzel = GoertzelBank.State(bank: Self.bank)
        self.history = [Float](repeating: 0, count: Self.historyCapacity + Self.historyMirror)
        self.ring = [SubBlock](repeating: SubBlock(), count: Self.ringCapacity)
        // Also the gains of the change-point searches (at most 400 samples).
        self.residual = [Double](repeating: 0, count: max(Self.longWindowSubBlocks * Self.subBlockLength, 400))
        self.echo = EchoReference(bank: Self.bank)
    }

    /// Feeds `samples` (8 kHz, 16-bit linear) and calls `handler` for every key-down and key-up they
    /// complete, in order.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (the handler is the caller's).
    public mutating func process(_ samples: UnsafeBufferPointer<Int16>, _ handler: (Event) -> Void) {
        var index = 0
        let count = samples.count
        while index < count {
            // The common case: a whole sub-block from its first sample, its filters in registers only.
            if positionInSubBlock == 0 && count &- index >= Self.subBlockLength {
                let (re, im) = wholeSubBlock(samples, from: index)
                index &+= Self.subBlockLength
                endSubBlock(re, im, handler)
                continue
            }
            let take = min(Self.subBlockLength - positionInSubBlock, count - index)
            feed(samples, from: index, count: take)
            index += take
            if positionInSubBlock == Self.subBlockLength {
                positionInSubBlock = 0
                let (re, im) = filters.finishSubBlock(&goertzel)
                endSubBlock(re, im, handler)
            }
        }
    }

    /// Feeds `samples` given as an array; a convenience for tests and offline use.
    public mutating func process(_ samples: [Int16], _ handler: (Event) -> Void) {
        samples.withUnsafeBufferPointer { process($0, handler) }
    }

    /// Ends the stream: releases a key still down at the last sample.
    public mutating func finish(_ handler: (Event) -> Void) {
        if let key {
            handler(keyUpEvent(key, end: key.lastPresentSample))
            self.key = nil
        }
    }

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
        let bank = filters
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
        // Only the coefficient is copied out of the bank for the loop: a copy of the whole bank (the
        // closure may not read `self`) cost 32 moves a sub-block.
        let coefficient = filters.halfRateCoefficient
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
        return filters.finishSubBlock(sums, &goertzel)
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

    /// The sums of the lanes of `a` and of `b`, in a function of its own: inlined, the compiler turned
    /// the vector products before it into a transposed form with a dozen shuffles per load.
    @inline(never)
    static func laneSums(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> (Float, Float) {
        let a2 = a.lowHalf + a.highHalf, b2 = b.lowHalf + b.highHalf
        return (a2.x + a2.y, b2.x + b2.y)
    }
}

// MARK: - Internal types

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

    /// Thresholds converted once from the configuration into the units the receiver compares.
    ///
    /// The decibel limits become ratios of amplitudes (or of powers, for the group margin), so that a
    /// candidate is judged without a logarithm: 20·log10(a/b) ≤ L exactly when a/b ≤ 10^(L/20).
    struct Limits: Sendable {
        var minimumAmplitude: Double
        var minimumToneSamples: Int64
        var releaseSubBlocks: Int
        var interferedMinimumToneSamples: Int64
        /// The echo reference's delays to search, in sub-blocks, and the largest received amplitude per
        /// unit of reference amplitude that an echo can have.
        var echoDelaySubBlocks: Int
        /// `Configuration.preOnsetLevelDB` as a ratio of amplitudes.
        var preOnsetRatio: Double
        /// `Configuration.harmonicLevelDB` (four lanes) and `lowerOctaveLevelDB` (four) as ratios of
        /// amplitudes, in the order of `pairHasHarmonics`'s probes.
        var harmonicRatios: SIMD8<Double>
        /// `Configuration.weakerToneOverResidualDB` as a ratio of energies.
        var weakerToneRatio: Double
        var echoAmplitudeRatio: Double

        /// Tier A: the least power ratio of the chosen bins over the others in their groups, the largest
        /// amplitude ratio between the window's halves, and the twist range as high/low amplitude ratios
        /// (the configured range, and the narrower -8..+4 dB within which white noise lowers the purity bar).
        var marginRatio: Double
        var stabilityRatio: Double
        var twistRange: ClosedRange<Double>
        var whiteTwistRange: ClosedRange<Double>
        /// Tier L: the margin both of its paths need at least, the margins and stabilities of the main path
        /// and of the speech path, and the twist range.
        var interferedGateMarginRatio: Double
        var interferedStabilityRatio: Double
        var interferedQuarterRatio: Double
        var speechPathMarginRatio: Double
        var speechPathStabilityRatio: Double
        var speechPathQuarterRatio: Double
        var interferedTwistRange: ClosedRange<Double>
        /// Whether every offset shifted by tier L's ambiguity step fails tier L's frequency limit: the
        /// direct offset is within half a step of none (the arc tangent's range), so a shifted one is at
        /// least half a step (8000 / 140 / 2 ≈ 28.6 Hz) away, 1.75 % of the highest frequency (0.49 of a
        /// step is used, a margin for rounding). True by default (1 %): `tierL` then rejects a tone whose
        /// shifted offset wins without measuring further.
        var shiftFailsInterferedDeviation: Bool
        /// `frequencyPlausible`'s limit per lane as the cosine of the largest phase advance it accepts between
        /// the window's first and last parts (tier A: 4 of 9 sub-blocks, 100 samples apart; tier L: 7 of 14,
        /// 140 samples apart); -2 where that advance is π or more, so that every advance passes.
        var plausibleCosine: SIMD8<Double>
        var interferedPlausibleCosine: SIMD8<Double>

        init(_ c: Configuration) {
            func amplitudeRatio(_ decibels: Double) -> Double { Double.pow(10, decibels / 20) }
            marginRatio = Double.pow(10, c.groupMarginDB / 10)
            stabilityRatio = amplitudeRatio(c.stabilityDB)
            twistRange = amplitudeRatio(-c.maximumNormalTwistDB)...amplitudeRatio(c.maximumReverseTwistDB)
            whiteTwistRange = amplitudeRatio(-8)...amplitudeRatio(4)
            interferedGateMarginRatio = Double.pow(10, min(c.groupMarginDB, c.speechPathGroupMarginDB) / 10)
            interferedStabilityRatio = amplitudeRatio(c.interferedStabilityDB)
            interferedQuarterRatio = amplitudeRatio(c.interferedQuarterStabilityDB)
            speechPathMarginRatio = Double.pow(10, c.speechPathGroupMarginDB / 10)
            speechPathStabilityRatio = amplitudeRatio(c.speechPathStabilityDB)
            speechPathQuarterRatio = amplitudeRatio(c.speechPathQuarterStabilityDB)
            let interferedNormal = min(c.interferedMaximumNormalTwistDB, c.maximumNormalTwistDB)
            let interferedReverse = min(c.interferedMaximumReverseTwistDB, c.maximumReverseTwistDB)
            interferedTwistRange = amplitudeRatio(-interferedNormal)...amplitudeRatio(interferedReverse)
            let longHalf = DTMFDetector.longWindowSubBlocks - DTMFDetector.longWindowSubBlocks / 2
            let ambiguityHz = Double(DTMFDetector.sampleRate) / Double(longHalf * DTMFDetector.subBlockLength)
            shiftFailsInterferedDeviation =
                0.49 * ambiguityHz / Double(DTMFDetector.bank.frequencies.max())
                > min(c.interferedFrequencyTolerance, c.frequencyTolerance)
            // cos of 2π·(1.2·tolerance·f)·separation/rate per lane (the 20 % margin: the fit may move the
            // estimate a little).
            func cosines(tolerance: Double, separation: Int) -> SIMD8<Double> {
                var result = SIMD8<Double>()
                for lane in 0..<8 {
                    let limitHz = 1.2 * tolerance * Double(DTMFDetector.bank.frequencies[lane])
                    let angle = 2 * Double.pi * limitHz * Double(separation) / Double(DTMFDetector.sampleRate)
                    result[lane] = angle >= .pi ? -2 : Double.cos(angle)
                }
                return result
            }
            let length = DTMFDetector.subBlockLength
            plausibleCosine = cosines(
                tolerance: min(c.cleanFrequencyTolerance, c.frequencyTolerance),
                separation: (DTMFDetector.windowSubBlocks - 4) * length)
            interferedPlausibleCosine = cosines(
                tolerance: min(c.interferedFrequencyTolerance, c.frequencyTolerance),
                separation: (DTMFDetector.longWindowSubBlocks - DTMFDetector.longWindowSubBlocks / 2) * length)
            minimumAmplitude = Level.sineAmplitude(dBm0: c.minimumLevelDBm0)
            echoDelaySubBlocks = min(
                Int((c.echoMaximumDelayMilliseconds * Double(DTMFDetector.sampleRate) / 1000
                    / Double(DTMFDetector.subBlockLength)).rounded(.up)),
                EchoReference.capacity - DTMFDetector.longWindowSubBlocks - EchoReference.sliceLength / DTMFDetector.subBlockLength)
            echoAmplitudeRatio = amplitudeRatio(-c.echoReturnLossDB)
            preOnsetRatio = amplitudeRatio(c.preOnsetLevelDB)
            weakerToneRatio = Double.pow(10, c.weakerToneOverResidualDB / 10)
            harmonicRatios = SIMD8(
                lowHalf: SIMD4(repeating: amplitudeRatio(c.harmonicLevelDB)),
                highHalf: SIMD4(repeating: amplitudeRatio(c.lowerOctaveLevelDB)))
            minimumToneSamples = Int64((c.minimumToneMilliseconds * Double(DTMFDetector.sampleRate) / 1000).rounded())
            releaseSubBlocks = Int(
                (c.releaseMilliseconds * Double(DTMFDetector.sampleRate) / 1000 / Double(DTMFDetector.subBlockLength))
                    .rounded(.up))
            interferedMinimumToneSamples = Int64(
                (c.interferedMinimumToneMilliseconds * Double(DTMFDetector.sampleRate) / 1000).rounded())
        }
    }

    /// A key that is down.
    struct KeyState: Sendable {
        var digit: DTMFDigit
        var onsetSample: Int64
        var lastPresentSample: Int64
        var reportedSample: Int64
        var absentSubBlocks = 0
        var tones: (Tone, Tone)
        /// The tones' levels, dBm0, computed once (two logarithms) for the key-down and key-up events.
        var levels: (low: Double, high: Double)
        var evidence: Event.Evidence

        init(
            digit: DTMFDigit, onsetSample: Int64, lastPresentSample: Int64, reportedSample: Int64,
            tones: (Tone, Tone), evidence: Event.Evidence
        ) {
            self.evidence = evidence
            self.digit = digit
            self.onsetSample = onsetSample
            self.lastPresentSample = lastPresentSample
            self.reportedSample = reportedSample
            self.tones = tones
            self.levels = (tones.0.levelDBm0, tones.1.levelDBm0)
        }
    }

    /// What tracking reads on every sub-block while a key is down, computed once at key-down and kept
    /// outside the optional `KeyState` (reading through the optional copied the whole key each time).
    ///
    /// The two tones are the two lanes of each vector (low, high), so one `SIMD2<Double>` operation
    /// does for both what the scalar code did for each in turn, with the same roundings.
    struct Tracker: Sendable {
        static let span = 4
        /// The two tones' lanes in the bank.
        var lanes = (0, 4)
        /// e^{-j·step·k} for the k-th sub-block of the tracking span (oldest first) at each tone's
        /// offset: cos in lanes 2k (low) and 2k + 1 (high) of `cos`, sin likewise; the values the
        /// `Rotation` recurrence gives, so the sums are the same to the bit.
        var cos = SIMD8<Double>()
        var sin = SIMD8<Double>()
        /// The least and greatest amplitude (0.35 and 3 times the key-down amplitude) per tone.
        var minimumAmplitude = SIMD2<Double>()
        var maximumAmplitude = SIMD2<Double>()
        /// The same limits on the span's coherent power |Z|² (a tone of amplitude a gives |Z| = a·N/2 over
        /// N samples), so that `keyPresent` compares without a square root or a division.
        var minimumPower = SIMD2<Double>()
        var maximumPower = SIMD2<Double>()
        /// The span energy below which neither tone can reach its least amplitude: a tone's amplitude
        /// over N samples is at most 2·sqrt(E/N) (Cauchy-Schwarz), so E < N/4·min² (with 0.2 % margin for
        /// the rounding of the `Float` sub-block sums) means absent.
        var silentSpanEnergy = 0.0

        init() {}

        init(_ tones: (Tone, Tone)) {
            lanes = (tones.0.lane, tones.1.lane)
            for which in 0..<2 {
                let tone = which == 0 ? tones.0 : tones.1
                var rotation = tone.subBlockRotation
                for k in 0..<Self.span { (cos[2 * k + which], sin[2 * k + which]) = rotation.next() }
                minimumAmplitude[which] = 0.35 * tone.amplitude
                maximumAmplitude[which] = 3 * tone.amplitude
            }
            let halfSpan = Double(Self.span * DTMFDetector.subBlockLength) / 2
            minimumPower = (minimumAmplitude * halfSpan) * (minimumAmplitude * halfSpan)
            maximumPower = (maximumAmplitude * halfSpan) * (maximumAmplitude * halfSpan)
            let least = 0.999 * minimumAmplitude.min()
            silentSpanEnergy = Double(Self.span * DTMFDetector.subBlockLength) / 4 * least * least
        }
    }

    /// One fitted tone: its lane, frequency offset and amplitude.
    struct Tone: Sendable {
        var lane: Int
        /// Offset from nominal, Hz.
        var offsetHz: Double
        /// Peak amplitude, 16-bit units.
        var amplitude: Double
        var frequency: Double { Double(DTMFDetector.bank.frequencies[lane]) + offsetHz }
        /// The de-rotation of consecutive sub-blocks at this tone's offset.
        var subBlockRotation: Rotation {
            Rotation(
                stepRadians: -2 * Double.pi * offsetHz * Double(DTMFDetector.subBlockLength)
                    / Double(DTMFDetector.sampleRate))
        }
        var levelDBm0: Double { Level.dBm0(rms: amplitude / 2.0.squareRoot()) }
    }
}
