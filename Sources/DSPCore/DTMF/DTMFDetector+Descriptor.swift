import RealModule

// MARK: - What all lines share

// The receiver's fixed shapes, its one Goertzel bank, and the descriptor: the configuration with its
// thresholds converted into the units the receiver compares. None of it changes after `init`; the
// per-line state is in `DTMFDetector.swift`.

extension DTMFDetector {
    /// The sample rate the receiver works at: the line's. Resample other rates first.
    public static let sampleRate = G711.sampleRate
    /// Samples per sub-block (2.5 ms): the bank yields one DFT value per lane and sub-block.
    static let subBlockLength = 20
    /// Tier A's window (22.5 ms) and tier L's (35 ms), in sub-blocks.
    static let windowSubBlocks = 9
    static let longWindowSubBlocks = 14
    /// The sub-blocks kept in the ring (80 ms), a power of two.
    static let ringCapacity = 32
    /// The window sums are counted afresh every this many sub-blocks, so that rounding cannot build up.
    static let recountInterval: Int64 = 64
    /// The samples kept in the history (128 ms), a power of two.
    static let historyCapacity = 1024
    /// The history's first samples are kept a second time after its end, so that four samples from any
    /// place in the ring can be read with one vector load (`subBlockEnergy`).
    static let historyMirror = 4

    /// The Goertzel bank of the eight DTMF frequencies: coefficients and phase references, computed
    /// once for all receivers.
    static let bank = GoertzelBank(
        frequencies: DTMFDigit.rowFrequencies + DTMFDigit.columnFrequencies,
        sampleRate: Double(sampleRate), subBlockLength: subBlockLength)

    /// What every line of one configuration shares, apart from the per-line state: the configuration,
    /// its thresholds converted once (`Limits`) and the bank. Made in `init`, only read after.
    struct Descriptor: Sendable {
        let configuration: Configuration
        let limits: Limits
        /// `DTMFDetector.bank`, held by value: reading the `static let` goes through `swift_once` (the
        /// lazy global's guard) on every read.
        let bank: GoertzelBank

        init(_ configuration: Configuration) {
            self.configuration = configuration
            limits = Limits(configuration)
            bank = DTMFDetector.bank
        }
    }

    /// Thresholds converted once from the configuration into the units the receiver compares.
    ///
    /// The decibel limits become ratios of amplitudes (or of powers, for the group margin), so that a
    /// candidate is judged without a logarithm: 20·log10(a/b) ≤ L exactly when a/b ≤ 10^(L/20).
    struct Limits: Sendable {
        /// `Configuration.minimumLevelDBm0` as a tone's peak amplitude, 16-bit units.
        var minimumAmplitude: Double
        /// How long a tone must last on tier A, samples; `releaseMilliseconds` in whole sub-blocks; how
        /// long a tone must last on tier L, samples.
        var minimumToneSamples: Int64
        var releaseSubBlocks: Int
        var interferedMinimumToneSamples: Int64
        /// The echo reference's delays to search, in sub-blocks (no more than its ring holds).
        var echoDelaySubBlocks: Int
        /// `Configuration.preOnsetLevelDB` as a ratio of amplitudes.
        var preOnsetRatio: Double
        /// `Configuration.harmonicLevelDB` (four lanes) and `lowerOctaveLevelDB` (four) as ratios of
        /// amplitudes, in the order of `pairHasHarmonics`'s probes.
        var harmonicRatios: SIMD8<Double>
        /// `Configuration.weakerToneOverResidualDB` as a ratio of energies.
        var weakerToneRatio: Double
        /// The largest received amplitude per unit of reference amplitude that an echo can have
        /// (`Configuration.echoReturnLossDB`).
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
            let longestEchoDelay = Int(
                (c.echoMaximumDelayMilliseconds * Double(DTMFDetector.sampleRate) / 1000
                    / Double(DTMFDetector.subBlockLength)).rounded(.up))
            let echoRingRoom =
                EchoReference.capacity - DTMFDetector.longWindowSubBlocks
                - EchoReference.sliceLength / DTMFDetector.subBlockLength
            echoDelaySubBlocks = min(longestEchoDelay, echoRingRoom)
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
}
