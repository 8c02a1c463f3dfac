import RealModule

// MARK: - The harmonic-lock veto

// A voice is a series of harmonics of one pitch, and two of them can pass for a pair: steady, pure
// enough, near the DTMF frequencies. What gives them away is the rest of the voice: once the two
// "tones" are taken out, what is left is still periodic at the pitch, and both tones are in phase with
// that period. Both tiers ask this of a pair that is not nearly pure.

extension DTMFDetector {
    /// True when the residual (the newest `count` samples less the fitted pair) is periodic and both
    /// tones are near-harmonics of its period: the "pair" is two harmonics of one voice.
    ///
    /// The period is the lag in 18...162 samples (a pitch of 49 to 444 Hz) with the largest normalised
    /// autocorrelation, refined by a parabola through its neighbours.
    ///
    /// Cost: about 145 × 200 products for the autocorrelation, eight lags at a time in `SIMD8<Double>`;
    /// the residual, one model step per sample.
    mutating func harmonicLock(_ low: Tone, _ high: Tone, count: Int, now: Int64, cosine: Double) -> Bool {
        let fitStart = now - Int64(count)
        let mask = Self.historyCapacity - 1
        let history = self.history
        let fitted = subBlockModel(low, high, fitEnd: now, count: count)
        // The residual is stored after `lanes - 1` zeros (and one more for alignment), which the products
        // of a lag larger than the sample's index read.
        let lanes = 8, padding = 8
        precondition(count + padding <= residual.count)
        let (correlation, lag) = residual.withUnsafeMutableBufferPointer { buffer -> (Double, Double) in
            let e = buffer.baseAddress! + padding
            for k in 0..<padding { buffer[k] = 0 }
            var total = 0.0
            history.withUnsafeBufferPointer { history in
                var model = fitted
                model.seek(to: fitStart, reference: fitStart)
                var index = Int(fitStart & Int64(mask))
                for i in 0..<count {
                    let value = Double(history[index]) - model.next()
                    index = (index + 1) & mask
                    e[i] = value
                    total += value * value
                }
            }
            let minimumLag = 18, maximumLag = 162
            var head = 0.0  // Σ e[i]² for i < lag
            for i in 0..<minimumLag { head += e[i] * e[i] }
            var tail = 0.0  // Σ e[i]² for i >= count - lag
            for i in (count - minimumLag)..<count { tail += e[i] * e[i] }
            var twoBack = -Double.infinity, oneBack = -Double.infinity
            var best = -Double.infinity, bestLag = 0.0
            // The dot products Σ_{i ≥ lag} e[i]·e[i - lag] of eight lags at once, lane k holding lag
            // first + 7 - k, so that the eight e[i - lag] are one load. Each lane adds its products in order
            // of i from +0; the terms with i < lag read the zeros before e[0] and add +0 to a sum that is
            // still +0, so every dot product is its own terms added in order of i, whatever its lane.
            var dots = SIMD8<Double>()
            for lag in minimumLag...maximumLag {
                let k = (lag - minimumLag) % lanes
                if k == 0 {
                    let first = lag
                    dots = SIMD8()
                    for i in first..<count {
                        let before = UnsafeRawPointer(e + (i - first - (lanes - 1))).loadUnaligned(
                            as: SIMD8<Double>.self)
                        dots += SIMD8(repeating: e[i]) * before
                    }
                }
                let dot = dots[lanes - 1 - k]
                let score = dot / (((total - head) * (total - tail)).squareRoot() + 1e-9)
                // The interior lag (lag - 1) with both neighbours known.
                if lag >= minimumLag + 2, oneBack > best {
                    best = oneBack
                    let curvature = twoBack - 2 * oneBack + score
                    let shift = curvature < 0 ? 0.5 * (twoBack - score) / curvature : 0
                    bestLag = Double(lag - 1) + shift
                }
                twoBack = oneBack
                oneBack = score
                head += e[lag] * e[lag]
                tail += e[count - 1 - lag] * e[count - 1 - lag]
            }
            return (best, bestLag)
        }
        let rate = Double(Self.sampleRate)
        let c = configuration
        return correlation >= c.harmonicCorrelation
            && Double.cos(2 * .pi * low.frequency * lag / rate) >= cosine
            && Double.cos(2 * .pi * high.frequency * lag / rate) >= cosine
    }
}
