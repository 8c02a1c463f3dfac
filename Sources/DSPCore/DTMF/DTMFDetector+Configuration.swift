extension DTMFDetector {
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
}
