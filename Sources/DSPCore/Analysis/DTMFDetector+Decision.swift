import RealModule

// MARK: - Per sub-block

extension DTMFDetector {
    /// Stores the finished sub-block and runs tracking or detection on the window that ends with it.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func endSubBlock(_ handler: (Event) -> Void) {
        let (re, im) = Self.bank.finishSubBlock(&goertzel)
        var block = SubBlock()
        block.re = re
        block.im = im
        block.energy = energy
        block.lagProduct = lagProduct
        energy = 0
        lagProduct = 0
        let m = subBlockCount
        ring[Int(m) & (Self.ringCapacity - 1)] = block
        subBlockCount += 1
        guard subBlockCount >= Int64(Self.windowSubBlocks) else { return }

        if key != nil {
            track(handler)
        } else {
            detect(handler)
        }
    }

    /// The sub-block `back` places before the newest one.
    @inline(__always)
    func subBlock(back: Int) -> SubBlock {
        ring[Int(subBlockCount - 1 - Int64(back)) & (Self.ringCapacity - 1)]
    }

    // MARK: - Detection

    private mutating func detect(_ handler: (Event) -> Void) {
        let w = Self.windowSubBlocks
        var sumRe = SIMD8<Float>(), sumIm = SIMD8<Float>()
        var windowEnergy: Float = 0, windowLag: Float = 0
        for back in 0..<w {
            let b = subBlock(back: back)
            sumRe += b.re
            sumIm += b.im
            windowEnergy += b.energy
            windowLag += b.lagProduct
        }
        let power = sumRe * sumRe + sumIm * sumIm
        var row = 0, column = 4
        for lane in 1..<4 where power[lane] > power[row] { row = lane }
        for lane in 5..<8 where power[lane] > power[column] { column = lane }
        let n = Float(w * Self.subBlockLength)
        // The gate: tone energy 2|Z|²/N against the window energy, and a floor on each tone.
        let toneEnergy = 2 * (power[row] + power[column]) / n
        let floorPower = Float(limits.minimumAmplitude * 0.5 * Double(n) / 2)
        guard toneEnergy >= 0.2 * windowEnergy, windowEnergy > 0,
            power[row] >= floorPower * floorPower, power[column] >= floorPower * floorPower
        else {
            pending = nil
            return
        }
        guard let candidate = validate(row: row, column: column, power: power,
                                       windowEnergy: Double(windowEnergy), windowLag: Double(windowLag))
        else {
            pending = nil
            return
        }
        let now = sampleCount
        guard let onset = changePoint(candidate, now: now) else {
            pending = nil
            return
        }
        let digit = DTMFDigit(row: row, column: column - 4)
        var toneStart = onset
        if candidate.tier == .interfered {
            if let p = pending, p.digit == digit {
                toneStart = p.onsetSample
            } else {
                pending = Pending(digit: digit, onsetSample: onset)
                toneStart = onset
            }
            guard now - toneStart >= limits.interferedMinimumToneSamples else { return }
        } else {
            guard now - toneStart >= limits.minimumToneSamples else { return }
        }
        pending = nil
        key = KeyState(digit: digit, onsetSample: toneStart, lastPresentSample: now, reportedSample: now,
                       tones: (candidate.low, candidate.high))
        handler(Event(kind: .keyDown, digit: digit, onsetSample: toneStart, reportedSample: now,
                      keyDownReportedSample: now, durationSamples: now - toneStart, lowLevelDBm0: candidate.low.levelDBm0,
                      highLevelDBm0: candidate.high.levelDBm0))
    }

    enum Tier { case clean, interfered }

    struct Candidate {
        var low: Tone
        var high: Tone
        var tier: Tier
    }

    /// The measurements of one tone over the window.
    private func measure(lane: Int) -> (tone: Tone, halfRatioDB: Double) {
        let w = Self.windowSubBlocks
        let l = Double(Self.subBlockLength)
        // Halves: the first four and the last four sub-blocks, whose centres are five sub-blocks apart.
        var aRe = 0.0, aIm = 0.0, bRe = 0.0, bIm = 0.0
        for back in 0..<4 {
            let late = subBlock(back: back), early = subBlock(back: w - 1 - back)
            bRe += Double(late.re[lane]); bIm += Double(late.im[lane])
            aRe += Double(early.re[lane]); aIm += Double(early.im[lane])
        }
        // Phase advance from the early half to the late half: b · conj(a).
        let crossRe = bRe * aRe + bIm * aIm
        let crossIm = bIm * aRe - bRe * aIm
        let advance = Double.atan2(y: crossIm, x: crossRe)
        let offsetHz = advance * Double(Self.sampleRate) / (2 * .pi * 5 * l)
        // De-rotate each sub-block by the offset and sum coherently.
        let step = 2 * Double.pi * offsetHz * l / Double(Self.sampleRate)
        var zRe = 0.0, zIm = 0.0, earlyRe = 0.0, earlyIm = 0.0, lateRe = 0.0, lateIm = 0.0
        for index in 0..<w {
            let b = subBlock(back: w - 1 - index)
            let angle = -step * Double(index)
            let c = Double.cos(angle), s = Double.sin(angle)
            let re = Double(b.re[lane]) * c - Double(b.im[lane]) * s
            let im = Double(b.re[lane]) * s + Double(b.im[lane]) * c
            zRe += re; zIm += im
            if index < 4 { earlyRe += re; earlyIm += im }
            if index >= w - 4 { lateRe += re; lateIm += im }
        }
        let n = Double(w) * l
        let amplitude = 2 * (zRe * zRe + zIm * zIm).squareRoot() / n
        let early = (earlyRe * earlyRe + earlyIm * earlyIm).squareRoot()
        let late = (lateRe * lateRe + lateIm * lateIm).squareRoot()
        let ratio = early > 0 && late > 0 ? abs(20 * Double.log10(early / late)) : .infinity
        return (Tone(lane: lane, offsetHz: offsetHz, amplitude: amplitude), ratio)
    }

    /// Validates the strongest row and column; returns the fitted pair and the tier it passed, or nil.
    private func validate(row: Int, column: Int, power: SIMD8<Float>, windowEnergy: Double, windowLag: Double)
        -> Candidate?
    {
        let c = configuration
        let (low, lowHalves) = measure(lane: row)
        let (high, highHalves) = measure(lane: column)
        guard low.amplitude >= limits.minimumAmplitude, high.amplitude >= limits.minimumAmplitude else { return nil }
        let n = Double(Self.windowSubBlocks * Self.subBlockLength)
        let lowEnergy = low.amplitude * low.amplitude / 2 * n
        let highEnergy = high.amplitude * high.amplitude / 2 * n
        let purity = (lowEnergy + highEnergy) / windowEnergy
        let twistDB = 20 * Double.log10(high.amplitude / low.amplitude)
        let lowDeviation = abs(low.offsetHz) / Double(Self.bank.frequencies[row])
        let highDeviation = abs(high.offsetHz) / Double(Self.bank.frequencies[column])
        let deviation = max(lowDeviation, highDeviation)
        var rowMargin = Double.infinity, columnMargin = Double.infinity
        for lane in 0..<4 where lane != row {
            rowMargin = min(rowMargin, 10 * Double.log10(Double(power[row]) / max(Double(power[lane]), 1e-9)))
        }
        for lane in 4..<8 where lane != column {
            columnMargin = min(columnMargin, 10 * Double.log10(Double(power[column]) / max(Double(power[lane]), 1e-9)))
        }
        let margin = min(rowMargin, columnMargin)
        let stability = max(lowHalves, highHalves)
        // The residual's lag-1 correlation: window lag product minus the tones' share, over the rest.
        let omegaLow = 2 * Double.pi * low.frequency / Double(Self.sampleRate)
        let omegaHigh = 2 * Double.pi * high.frequency / Double(Self.sampleRate)
        let residualLag = windowLag - lowEnergy * Double.cos(omegaLow) - highEnergy * Double.cos(omegaHigh)
        let residualEnergy = max(windowEnergy - lowEnergy - highEnergy, 1e-9)
        let correlation = residualLag / residualEnergy

        let twistOK = twistDB >= -c.maximumNormalTwistDB && twistDB <= c.maximumReverseTwistDB
        let requiredPurity = abs(correlation) <= c.whiteResidualCorrelation ? c.whiteNoisePurity : c.purity
        if twistOK, purity >= requiredPurity, deviation <= c.frequencyTolerance, margin >= c.groupMarginDB,
            stability <= c.stabilityDB
        {
            return Candidate(low: low, high: high, tier: .clean)
        }
        if twistDB >= -c.interferedMaximumNormalTwistDB, twistDB <= c.interferedMaximumReverseTwistDB,
            purity >= c.interferedPurity, deviation <= c.interferedFrequencyTolerance,
            margin >= c.interferedGroupMarginDB, stability <= c.interferedStabilityDB
        {
            return Candidate(low: low, high: high, tier: .interfered)
        }
        return nil
    }

    // MARK: - Change point

    /// Finds where the fitted pair starts within the recent samples: the stretch that gains most from
    /// subtracting the model (Kadane's maximum subarray of x² - (x - s)² = 2xs - s²). Returns its first
    /// sample, or nil when the stretch does not reach the present (the pair has already stopped).
    private func changePoint(_ candidate: Candidate, now: Int64) -> Int64? {
        let span = 240  // 30 ms of history
        let fit = Self.windowSubBlocks * Self.subBlockLength
        let start = max(now - Int64(span), 0)
        let fitStart = now - Int64(fit)
        // Fit each tone's complex amplitude on the window, then evaluate the model over the span.
        var model = ModelPair(candidate, history: history, fitStart: fitStart, count: fit)
        var best = -Double.infinity, current = 0.0, currentStart = start, bestStart = start, bestEnd = start
        var sample = start
        model.seek(to: start, reference: fitStart)
        while sample < now {
            let x = Double(history[Int(sample) & (Self.historyCapacity - 1)])
            let s = model.next()
            let gain = 2 * x * s - s * s
            if current <= 0 {
                current = gain
                currentStart = sample
            } else {
                current += gain
            }
            if current > best {
                best = current
                bestStart = currentStart
                bestEnd = sample + 1
            }
            sample += 1
        }
        guard bestEnd >= now - 8 else { return nil }
        return bestStart
    }

    // MARK: - Tracking

    private mutating func track(_ handler: (Event) -> Void) {
        guard var key else { return }
        let span = 4
        let l = Double(Self.subBlockLength)
        var toneEnergy = 0.0, spanEnergy = 0.0
        var present = true
        for which in 0..<2 {
            let tone = which == 0 ? key.tones.0 : key.tones.1
            let step = 2 * Double.pi * tone.offsetHz * l / Double(Self.sampleRate)
            var zRe = 0.0, zIm = 0.0
            for index in 0..<span {
                let b = subBlock(back: span - 1 - index)
                let angle = -step * Double(index)
                let c = Double.cos(angle), s = Double.sin(angle)
                zRe += Double(b.re[tone.lane]) * c - Double(b.im[tone.lane]) * s
                zIm += Double(b.re[tone.lane]) * s + Double(b.im[tone.lane]) * c
            }
            let amplitude = 2 * (zRe * zRe + zIm * zIm).squareRoot() / (Double(span) * l)
            toneEnergy += amplitude * amplitude / 2 * Double(span) * l
            if amplitude < 0.35 * tone.amplitude || amplitude > 3 * tone.amplitude { present = false }
        }
        for back in 0..<span { spanEnergy += Double(subBlock(back: back).energy) }
        if toneEnergy < 0.35 * spanEnergy { present = false }

        if present {
            key.absentSubBlocks = 0
            key.lastPresentSample = sampleCount
            self.key = key
            return
        }
        key.absentSubBlocks += 1
        if key.absentSubBlocks >= limits.releaseSubBlocks {
            self.key = nil
            handler(keyUpEvent(key, end: releaseEnd(key)))
        } else {
            self.key = key
        }
    }

    /// The last sample of a released tone: a change point on the model near the last present window.
    private func releaseEnd(_ key: KeyState) -> Int64 {
        // The tracking window is 80 samples; a window still counts as present when it is about a third
        // full, so the tone ended up to ~55 samples before the last present window's end. Search the
        // stretch around it for the end of the best-matching run.
        let candidate = Candidate(low: key.tones.0, high: key.tones.1, tier: .clean)
        let fitEnd = key.lastPresentSample - 60
        let fitCount = 120
        let fitStart = fitEnd - Int64(fitCount)
        guard fitStart >= key.onsetSample, sampleCount - fitStart < Int64(Self.historyCapacity) else {
            return max(key.lastPresentSample - 40, key.onsetSample)
        }
        var model = ModelPair(candidate, history: history, fitStart: fitStart, count: fitCount)
        let start = fitStart
        let stop = min(key.lastPresentSample + 40, sampleCount)
        model.seek(to: start, reference: fitStart)
        var best = -Double.infinity, current = 0.0, bestEnd = start
        var sample = start
        while sample < stop {
            let x = Double(history[Int(sample) & (Self.historyCapacity - 1)])
            let s = model.next()
            current += 2 * x * s - s * s
            if current > best {
                best = current
                bestEnd = sample + 1
            }
            sample += 1
        }
        return bestEnd
    }

    func keyUpEvent(_ key: KeyState, end: Int64) -> Event {
        Event(kind: .keyUp, digit: key.digit, onsetSample: key.onsetSample, reportedSample: sampleCount,
              keyDownReportedSample: key.reportedSample, durationSamples: max(end - key.onsetSample, 0), lowLevelDBm0: key.tones.0.levelDBm0,
              highLevelDBm0: key.tones.1.levelDBm0)
    }
}

// MARK: - The two-tone model

/// One sinusoid fitted by least squares (a DFT at its measured frequency) on a stretch of the history,
/// then generated sample by sample with a complex rotator.
struct FittedTone {
    var aRe = 0.0, aIm = 0.0
    var stepRe = 1.0, stepIm = 0.0, omega = 0.0
    var zRe = 1.0, zIm = 0.0

    init(_ tone: DTMFDetector.Tone, history: [Float], fitStart: Int64, count: Int) {
        let mask = DTMFDetector.historyCapacity - 1
        omega = 2 * Double.pi * tone.frequency / Double(DTMFDetector.sampleRate)
        stepRe = Double.cos(omega)
        stepIm = Double.sin(omega)
        // a = (2/N) Σ x[n] e^{-jω(n - fitStart)}
        var re = 0.0, im = 0.0, rotRe = 1.0, rotIm = 0.0
        for i in 0..<count {
            let x = Double(history[Int(fitStart + Int64(i)) & mask])
            re += x * rotRe
            im -= x * rotIm
            let nextRe = rotRe * stepRe - rotIm * stepIm
            rotIm = rotRe * stepIm + rotIm * stepRe
            rotRe = nextRe
        }
        aRe = 2 * re / Double(count)
        aIm = 2 * im / Double(count)
    }

    mutating func seek(offset: Int64) {
        let angle = omega * Double(offset)
        zRe = Double.cos(angle)
        zIm = Double.sin(angle)
    }

    /// Re(a · e^{jω(n - fitStart)}) at the current sample; advances by one.
    mutating func next() -> Double {
        let value = aRe * zRe - aIm * zIm
        let nextRe = zRe * stepRe - zIm * stepIm
        zIm = zRe * stepIm + zIm * stepRe
        zRe = nextRe
        return value
    }
}

/// The two tones of a candidate pair.
struct ModelPair {
    var low: FittedTone
    var high: FittedTone

    init(_ candidate: DTMFDetector.Candidate, history: [Float], fitStart: Int64, count: Int) {
        low = FittedTone(candidate.low, history: history, fitStart: fitStart, count: count)
        high = FittedTone(candidate.high, history: history, fitStart: fitStart, count: count)
    }

    mutating func seek(to sample: Int64, reference: Int64) {
        low.seek(offset: sample - reference)
        high.seek(offset: sample - reference)
    }

    mutating func next() -> Double { low.next() + high.next() }
}
