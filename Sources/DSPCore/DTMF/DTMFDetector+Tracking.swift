// MARK: - Tracking: a key that is down

// Once a key is down, detection stops and every sub-block asks one question: is the same pair still
// there, near its levels at key-down, over the newest 10 ms? After `releaseMilliseconds` of no, the key
// is released, and the release search (`releaseEnd`) places the tone's last sample.

extension DTMFDetector {
    /// A key that is down.
    struct KeyState: Sendable {
        var digit: DTMFDigit
        var onsetSample: Int64
        /// The end of the last sub-block in which the pair was present.
        var lastPresentSample: Int64
        /// Where the key-down was reported.
        var reportedSample: Int64
        /// Sub-blocks since the pair was last present.
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
    /// outside the optional `KeyState` (reading through the optional copies the whole key each time).
    ///
    /// The two tones are the two lanes of each vector (low, high), so one `SIMD2<Double>` operation
    /// serves both, each lane rounded as the same scalar operation would be.
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

    /// Tracks the key that is down over the newest sub-block, and releases it after
    /// `Limits.releaseSubBlocks` sub-blocks without its pair.
    mutating func track(_ handler: (Event) -> Void) {
        if keyPresent() {
            key!.absentSubBlocks = 0
            key!.lastPresentSample = sampleCount
            return
        }
        key!.absentSubBlocks += 1
        guard key!.absentSubBlocks >= descriptor.limits.releaseSubBlocks, let released = key else { return }
        key = nil
        let end = releaseEnd(released)
        previousKeyEnd = end
        handler(keyUpEvent(released, end: end))
    }

    /// Whether the key's pair is still in the newest 10 ms: each tone within -9 dB and +9.5 dB of its
    /// level at key-down, together carrying at least 35 % of the energy. Call only while a key is down.
    ///
    /// Cost: four sub-blocks of `SIMD2<Double>` complex multiply-adds (both tones at once) with the
    /// rotations precomputed in `tracker`, and one square root pair.
    private mutating func keyPresent() -> Bool {
        let span = Tracker.span
        let lanes = tracker.lanes
        let silent = tracker.silentSpanEnergy
        let cosines = tracker.cos, sines = tracker.sin
        let sums = withRing { ring -> (energy: Double, re: SIMD2<Double>, im: SIMD2<Double>)? in
            // The span's energy, added newest first.
            var spanEnergy = 0.0
            for back in 0..<span { spanEnergy += Double(ring.energy(ring.newest &- back)) }
            // By Cauchy-Schwarz no tone in the span is louder than 2·sqrt(E/N): below both least amplitudes
            // the answer is no without the sums (a silent span after a key, several times per key).
            if spanEnergy < silent { return nil }
            var zRe = SIMD2<Double>(), zIm = SIMD2<Double>()
            for index in 0..<span {
                let (re, im) = ring.lanes(lanes, ring.newest &- (span - 1 - index))
                let c = SIMD2(cosines[2 * index], cosines[2 * index + 1])
                let s = SIMD2(sines[2 * index], sines[2 * index + 1])
                zRe += re * c - im * s
                zIm += re * s + im * c
            }
            return (spanEnergy, zRe, zIm)
        }
        guard let (spanEnergy, zRe, zIm) = sums else { return false }
        // Each tone's amplitude is a = 2|Z|/N and its energy a²N/2 = 2|Z|²/N: both are judged on the power
        // |Z|² against limits squared once (`Tracker`), without a square root or a division, whose latency
        // would count on every sub-block of a key.
        let power = zRe * zRe + zIm * zIm
        let present = !any((power .< tracker.minimumPower) .| (power .> tracker.maximumPower))
        let toneEnergy = (power[0] + power[1]) * (2 / Double(span * Self.subBlockLength))
        return present && toneEnergy >= 0.35 * spanEnergy
    }

    mutating func keyUpEvent(_ key: KeyState, end: Int64) -> Event {
        Event(
            kind: .keyUp, digit: key.digit, onsetSample: key.onsetSample, reportedSample: sampleCount,
            keyDownReportedSample: key.reportedSample, durationSamples: max(end - key.onsetSample, 0),
            lowLevelDBm0: key.levels.low, highLevelDBm0: key.levels.high, evidence: key.evidence)
    }
}
