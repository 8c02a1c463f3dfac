extension DTMFDetector {
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
}
