import RealModule
import Synchronization

/// The immutable half of a polyphase rational resampler: the rate ratio and the windowed-sinc
/// coefficients, computed once and shared (copy-on-write) by every channel's ``Resampler``.
///
/// ## Design
///
/// A rate change from `inputSampleRate` to `outputSampleRate` is the ratio L/M in lowest terms
/// (`upsamplingFactor` / `downsamplingFactor`): 48000 → 8000 is 1/6, 44100 → 8000 is 80/441,
/// 8000 → 44100 is 441/80. Output frame k sits at input time k·M/L exactly (integer phase
/// arithmetic, no drift, no floating-point time).
///
/// The prototype low-pass is a Kaiser-windowed sinc defined on the narrower of the two rates,
/// `Nyquist = min(inputSampleRate, outputSampleRate) / 2`:
///
/// - **passband edge** `passbandEdgeHz = 0.875 · Nyquist` (3500 Hz when either side is 8 kHz);
/// - **stop-band edge** `stopbandEdgeHz = Nyquist` (4000 Hz): everything at or above the output Nyquist
///   frequency is removed before it can alias, and when upsampling every image is removed;
/// - **design stop-band attenuation** `stopbandAttenuationDB = 80 dB` (Kaiser β = 7.86), which also bounds
///   the passband ripple to about ±0.001 dB.
///
/// Measured through the resampler itself (`ResamplerTests.swift`): every tone from 4 kHz up to the input
/// Nyquist frequency comes out at least 80.1 dB down (worst case just above 4 kHz) for 11.025 ... 96 kHz
/// → 8 kHz, images are at least 80.4 dB down for 8 kHz → 11.025 ... 48 kHz, and the passband is flat
/// within ±0.0007 dB from 100 Hz to 3400 Hz. The tests assert 78 dB and ±0.002 dB.
///
/// The number of taps per output sample is `tapsPerPhase`, proportional to the input rate over the
/// transition width: 82 from 8 kHz, 112 from 11.025 kHz, 162 from 16 kHz, 444 from 44.1 kHz, 482 from
/// 48 kHz, 964 from 96 kHz. Optimised, 48 kHz → 8 kHz costs about 1.2 ms of one core per second of audio.
///
/// When L ≤ 512 every phase of the prototype is tabulated exactly (L × `tapsPerPhase` floats).
/// For ratios with more phases (an arbitrary integer rate such as 8000 → 44101) the table holds 512
/// phases and the coefficients of a phase in between are linearly interpolated from its two
/// neighbours. The interpolation error stays under the stop-band: 44101 → 8000 (interpolated) measures
/// the same stop-band and passband as 44100 → 8000 (exact) to within 0.01 dB.
///
/// Each tabulated phase is normalised to a DC gain of exactly 1, so there is no phase-dependent
/// gain ripple (which would show up as a tone at the phase rate).
///
/// Building a filter allocates and evaluates a Bessel function per coefficient; do it once, at
/// set-up time, never on the audio thread.
public struct ResamplerFilter: Sendable, Hashable {
    /// The rate of the samples fed in, in Hz.
    public let inputSampleRate: Int
    /// The rate of the samples produced, in Hz.
    public let outputSampleRate: Int
    /// L: the output rate over the greatest common divisor of the two rates.
    public let upsamplingFactor: Int
    /// M: the input rate over the greatest common divisor of the two rates.
    public let downsamplingFactor: Int
    /// The number of input samples that contribute to each output sample (even; 1 when the rates are equal).
    public let tapsPerPhase: Int
    /// The number of tabulated phases: L when L ≤ 512, else 512 (interpolated).
    public let tabulatedPhaseCount: Int
    /// The highest frequency passed with the design ripple (Hz).
    public let passbandEdgeHz: Double
    /// The lowest frequency attenuated by at least ``stopbandAttenuationDB`` (Hz).
    public let stopbandEdgeHz: Double
    /// The design stop-band attenuation (dB).
    public let stopbandAttenuationDB: Double

    /// `tabulatedPhaseCount + 1` phases of `tapsPerPhase` coefficients each, oldest input first.
    /// The extra last phase is phase 0 advanced by one input sample, for interpolation.
    @usableFromInline let coefficients: [Float]

    /// The largest number of phases tabulated exactly.
    public static let maximumExactPhaseCount = 512
    /// The passband edge as a fraction of the narrower Nyquist frequency.
    public static let passbandFraction = 0.875
    /// The design stop-band attenuation in dB.
    public static let designAttenuationDB = 80.0

    /// True when the two rates are equal and samples are copied through unchanged.
    @inlinable public var isPassthrough: Bool { upsamplingFactor == downsamplingFactor }

    /// Whether the coefficients of intermediate phases are interpolated (L > 512).
    @inlinable public var interpolatesPhases: Bool { tabulatedPhaseCount != upsamplingFactor }

    /// The delay through the filter, in input frames: an output sample is computed only once the input
    /// sample `delayInputFrameCount` frames after its own time has arrived. ``Resampler`` hides this delay
    /// from the output timing (output frame k always corresponds to input time k·M/L); it is the latency.
    @inlinable public var delayInputFrameCount: Int { tapsPerPhase / 2 }

    /// Designs the filter for a conversion from `inputSampleRate` to `outputSampleRate`.
    ///
    /// - Precondition: both rates are positive and at most 1 000 000 Hz.
    public init(inputSampleRate: Int, outputSampleRate: Int) {
        precondition(inputSampleRate > 0 && outputSampleRate > 0, "ResamplerFilter: rates must be positive")
        precondition(inputSampleRate <= 1_000_000 && outputSampleRate <= 1_000_000, "ResamplerFilter: rate too high")
        let divisor = Self.greatestCommonDivisor(inputSampleRate, outputSampleRate)
        self.inputSampleRate = inputSampleRate
        self.outputSampleRate = outputSampleRate
        upsamplingFactor = outputSampleRate / divisor
        downsamplingFactor = inputSampleRate / divisor

        let nyquistHz = Double(min(inputSampleRate, outputSampleRate)) / 2
        passbandEdgeHz = Self.passbandFraction * nyquistHz
        stopbandEdgeHz = nyquistHz
        stopbandAttenuationDB = Self.designAttenuationDB

        if inputSampleRate == outputSampleRate {
            tapsPerPhase = 1
            tabulatedPhaseCount = 1
            coefficients = [1, 1]
            return
        }

        // Kaiser's estimate of the length for attenuation A and transition width Δf (in cycles per input
        // sample): N = (A - 7.95) / (14.36 Δf). The prototype is defined in input-sample time.
        let transitionCyclesPerSample = (stopbandEdgeHz - passbandEdgeHz) / Double(inputSampleRate)
        let length = (stopbandAttenuationDB - 7.95) / (14.36 * transitionCyclesPerSample)
        var taps = Int(length.rounded(.up))
        taps += taps & 1
        tapsPerPhase = taps

        let phases = min(upsamplingFactor, Self.maximumExactPhaseCount)
        tabulatedPhaseCount = phases
        coefficients = Self.tabulate(
            tapsPerPhase: taps,
            phaseCount: phases,
            cutoffCyclesPerSample: (passbandEdgeHz + stopbandEdgeHz) / 2 / Double(inputSampleRate),
            beta: Self.kaiserBeta(attenuationDB: stopbandAttenuationDB)
        )
    }

    /// The filter for a conversion, designed once per pair of rates in this process and shared after.
    /// A file reader calls this for each file it opens; prompts and recordings come at a handful of
    /// rates, and a design costs up to tens of milliseconds (384 kHz input: 3,856 taps × 512 phases).
    /// At most ``designCacheLimit`` designs are kept: past that the cache starts again, so files at many
    /// different rates cost their designs and no more memory.
    public static func shared(inputSampleRate: Int, outputSampleRate: Int) -> ResamplerFilter {
        let key = RatePair(input: inputSampleRate, output: outputSampleRate)
        if let filter = designs.withLock({ $0[key] }) { return filter }
        let filter = ResamplerFilter(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate)
        designs.withLock { cache in
            if cache.count >= designCacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = filter
        }
        return filter
    }

    /// The most designs ``shared(inputSampleRate:outputSampleRate:)`` keeps.
    public static let designCacheLimit = 16

    private struct RatePair: Hashable {
        let input: Int
        let output: Int
    }

    private static let designs = Mutex<[RatePair: ResamplerFilter]>([:])

    /// The most output frames that processing `inputFrameCount` input frames can produce.
    @inlinable
    public func maximumOutputFrameCount(inputFrameCount: Int) -> Int {
        (inputFrameCount * upsamplingFactor + downsamplingFactor - 1) / downsamplingFactor
    }

    /// The number of output frames that correspond to `inputFrameCount` input frames once the stream is
    /// flushed: ⌈inputFrameCount · outputSampleRate / inputSampleRate⌉.
    @inlinable
    public func outputFrameCount(inputFrameCount: Int) -> Int {
        maximumOutputFrameCount(inputFrameCount: inputFrameCount)
    }

    // MARK: - Design

    /// Kaiser's β for a stop-band attenuation in dB (Kaiser 1974, for A > 50 dB).
    static func kaiserBeta(attenuationDB: Double) -> Double {
        if attenuationDB > 50 { return 0.1102 * (attenuationDB - 8.7) }
        if attenuationDB >= 21 {
            return 0.5842 * Double.pow(attenuationDB - 21, 0.4) + 0.07886 * (attenuationDB - 21)
        }
        return 0
    }

    /// The zeroth-order modified Bessel function of the first kind, by its power series.
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        let quarterSquare = x * x / 4
        var k = 1.0
        while term > sum * 1e-17 {
            term *= quarterSquare / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    /// Evaluates the windowed sinc at `phaseCount + 1` phases and normalises each phase to unit DC gain.
    static func tabulate(tapsPerPhase taps: Int, phaseCount: Int, cutoffCyclesPerSample fc: Double, beta: Double)
        -> [Float]
    {
        let half = Double(taps) / 2
        let windowNorm = 1 / besselI0(beta)
        var table = [Float](repeating: 0, count: (phaseCount + 1) * taps)
        var phase = [Double](repeating: 0, count: taps)
        for q in 0...phaseCount {
            let offset = Double(q) / Double(phaseCount)
            var sum = 0.0
            for j in 0..<taps {
                // Coefficient j multiplies input (newest - (taps - 1 - j)), at prototype time τ.
                let tau = offset + Double(taps - 1 - j)
                let x = tau - half
                let r = x / half
                let window = r.magnitude >= 1 ? 0 : besselI0(beta * (1 - r * r).squareRoot()) * windowNorm
                let argument = 2 * fc * x
                let sinc = argument == 0 ? 1 : Double.sin(Double.pi * argument) / (Double.pi * argument)
                let value = 2 * fc * sinc * window
                phase[j] = value
                sum += value
            }
            for j in 0..<taps { table[q * taps + j] = Float(phase[j] / sum) }
        }
        return table
    }

    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
