/// A streaming polyphase rational resampler for one channel.
///
/// ```swift
/// var resampler = Resampler(inputSampleRate: 44100, outputSampleRate: 8000)
/// var output = [Int16](repeating: 0, count: resampler.maximumOutputFrameCount(inputFrameCount: block.count))
/// let produced = block.withUnsafeBufferPointer { input in
///     output.withUnsafeMutableBufferPointer { resampler.process(input, into: $0) }
/// }
/// // ... at the end of the stream:
/// let tail = output.withUnsafeMutableBufferPointer { resampler.flush(into: $0) }
/// ```
///
/// The filter (passband edge, stop-band attenuation, cost) is described on ``ResamplerFilter``; one filter
/// can be shared by many channels with ``init(filter:)``.
///
/// **Timing.** Output frame k corresponds to input time k · inputSampleRate / outputSampleRate exactly: the
/// filter's delay is not added to the signal, it shows up as latency instead (the first output frames are
/// produced only once ``ResamplerFilter/delayInputFrameCount`` input frames have arrived). After
/// ``flush(into:)`` the total output of a stream of n input frames is exactly
/// ⌈n · outputSampleRate / inputSampleRate⌉ frames, so one second in gives one second out.
///
/// **Streaming.** State (the last `tapsPerPhase` inputs and the phase) is kept between calls, input blocks
/// may have any size, and the output does not depend on how the input was split.
///
/// **Cost.** `tapsPerPhase` multiply-adds per output frame (two when phases are interpolated). The history
/// buffer is allocated at init; `process` and `flush` allocate nothing (copying the struct and then
/// processing with both copies costs one copy-on-write of the history).
public struct Resampler: Sendable {
    /// The filter this resampler runs.
    public let filter: ResamplerFilter

    /// The last `tapsPerPhase` inputs, stored twice (at `i` and `i + tapsPerPhase`) so the window
    /// ending at the newest sample is always contiguous.
    var history: [Float]
    /// Where the next input is written (0 ..< tapsPerPhase).
    var writeIndex: Int
    /// The phase (0 ..< L) of the next output frame.
    var phase: Int
    /// How many more input frames must arrive before the next output frame can be computed.
    var inputFramesUntilOutput: Int
    /// Input frames consumed since the start of the stream (excluding flush padding).
    public private(set) var inputFrameCount: Int
    /// Output frames produced since the start of the stream.
    public private(set) var outputFrameCount: Int

    /// A resampler from `inputSampleRate` to `outputSampleRate` with its own filter.
    public init(inputSampleRate: Int, outputSampleRate: Int) {
        self.init(filter: ResamplerFilter(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate))
    }

    /// A resampler running `filter`, which may be shared with other channels.
    public init(filter: ResamplerFilter) {
        self.filter = filter
        history = [Float](repeating: 0, count: 2 * filter.tapsPerPhase)
        writeIndex = 0
        phase = 0
        inputFramesUntilOutput = 0
        inputFrameCount = 0
        outputFrameCount = 0
        reset()
    }

    /// The input sample rate in Hz.
    @inlinable public var inputSampleRate: Int { filter.inputSampleRate }
    /// The output sample rate in Hz.
    @inlinable public var outputSampleRate: Int { filter.outputSampleRate }

    /// The most output frames `process` can produce from `inputFrameCount` input frames.
    @inlinable
    public func maximumOutputFrameCount(inputFrameCount: Int) -> Int {
        filter.maximumOutputFrameCount(inputFrameCount: inputFrameCount)
    }

    /// The number of output frames ``flush(into:)`` will produce now.
    public var pendingFlushFrameCount: Int {
        filter.outputFrameCount(inputFrameCount: inputFrameCount) - outputFrameCount
    }

    /// Forgets the stream: clears the history and starts a new stream at time 0.
    public mutating func reset() {
        for index in history.indices { history[index] = 0 }
        writeIndex = 0
        // Output 0 is centred on input 0, so it needs inputs up to index tapsPerPhase / 2.
        phase = 0
        inputFramesUntilOutput = filter.isPassthrough ? 1 : filter.tapsPerPhase / 2 + 1
        inputFrameCount = 0
        outputFrameCount = 0
    }

    // MARK: - Processing

    /// Resamples `input` into `output` and returns the number of output frames written.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Precondition: `output.count >= maximumOutputFrameCount(inputFrameCount: input.count)`.
    public mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>)
        -> Int
    {
        run(input, into: output)
    }

    /// Resamples floating-point samples (any scale; 16-bit full scale is ±32768) into `output`.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Precondition: `output.count >= maximumOutputFrameCount(inputFrameCount: input.count)`.
    public mutating func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        -> Int
    {
        run(input, into: output)
    }

    /// Ends the stream: feeds silence until every output frame up to the last input's time has been
    /// produced, writes those ``pendingFlushFrameCount`` frames and resets the resampler for a new stream.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Precondition: `output.count >= pendingFlushFrameCount`.
    public mutating func flush(into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        flushRun(into: output)
    }

    /// Ends a floating-point stream; see the Int16 `flush(into:)`.
    public mutating func flush(into output: UnsafeMutableBufferPointer<Float>) -> Int {
        flushRun(into: output)
    }

    /// Resamples a whole signal at once (allocates; for set-up paths and tests).
    public mutating func processAndFlush(_ input: [Int16]) -> [Int16] { whole(input) }

    /// Resamples a whole floating-point signal at once (allocates; for set-up paths and tests).
    public mutating func processAndFlush(_ input: [Float]) -> [Float] { whole(input) }

    private mutating func whole<Sample: ResamplingSample>(_ input: [Sample]) -> [Sample] {
        let zero = Sample(resampled: 0)
        var output = [Sample](repeating: zero, count: maximumOutputFrameCount(inputFrameCount: input.count) + 1)
        var produced = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { run(source, into: $0) }
        }
        let tail = pendingFlushFrameCount
        if produced + tail > output.count {
            output.append(contentsOf: repeatElement(zero, count: produced + tail - output.count))
        }
        produced += output.withUnsafeMutableBufferPointer { buffer in
            flushRun(into: UnsafeMutableBufferPointer(rebasing: buffer[produced...]))
        }
        output.removeLast(output.count - produced)
        return output
    }

    // MARK: - The kernel

    @inline(__always)
    mutating func run<Sample: ResamplingSample>(
        _ input: UnsafeBufferPointer<Sample>, into output: UnsafeMutableBufferPointer<Sample>
    ) -> Int {
        precondition(
            output.count >= maximumOutputFrameCount(inputFrameCount: input.count),
            "Resampler.process: output buffer too small"
        )
        let produced = push(count: input.count, into: output) { input[$0].resamplingValue }
        inputFrameCount += input.count
        return produced
    }

    @inline(__always)
    mutating func flushRun<Sample: ResamplingSample>(into output: UnsafeMutableBufferPointer<Sample>) -> Int {
        let pending = pendingFlushFrameCount
        precondition(output.count >= pending, "Resampler.flush: output buffer too small")
        var produced = 0
        while produced < pending {
            // Feed just enough silence for the next output frame, then keep only what is owed.
            let block = inputFramesUntilOutput
            let rest = UnsafeMutableBufferPointer(rebasing: output[produced...])
            produced += push(count: block, into: rest, limit: pending - produced) { _ in 0 }
        }
        reset()
        return produced
    }

    /// Pushes `count` inputs (read through `sample`) and writes at most `limit` outputs.
    @inline(__always)
    mutating func push<Sample: ResamplingSample>(
        count: Int, into output: UnsafeMutableBufferPointer<Sample>, limit: Int = .max,
        _ sample: (Int) -> Float
    ) -> Int {
        let taps = filter.tapsPerPhase
        let up = filter.upsamplingFactor
        let down = filter.downsamplingFactor
        let phases = filter.tabulatedPhaseCount
        let interpolate = filter.interpolatesPhases
        var writeIndex = self.writeIndex
        var phase = self.phase
        var until = inputFramesUntilOutput
        var produced = 0
        let coefficients = filter.coefficients
        history.withUnsafeMutableBufferPointer { history in
            coefficients.withUnsafeBufferPointer { table in
                let history = history.baseAddress!
                let table = table.baseAddress!
                for index in 0..<count {
                    let value = sample(index)
                    history[writeIndex] = value
                    history[writeIndex + taps] = value
                    writeIndex += 1
                    if writeIndex == taps { writeIndex = 0 }
                    until -= 1
                    while until == 0 {
                        let window = history + writeIndex
                        let y: Float
                        if !interpolate {
                            y = Self.dot(window, table + phase * taps, count: taps)
                        } else {
                            let scaled = phase * phases
                            let q = scaled / up
                            let fraction = Float(scaled - q * up) / Float(up)
                            let a = Self.dot(window, table + q * taps, count: taps)
                            let b = Self.dot(window, table + (q + 1) * taps, count: taps)
                            y = a + fraction * (b - a)
                        }
                        if produced < limit { output[produced] = Sample(resampled: y) }
                        produced += 1
                        phase += down
                        until = phase / up
                        phase -= until * up
                    }
                }
            }
        }
        self.writeIndex = writeIndex
        self.phase = phase
        inputFramesUntilOutput = until
        let written = min(produced, limit)
        outputFrameCount += written
        return written
    }

    /// Σ a[i]·b[i] with four partial sums.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0
        var s1: Float = 0
        var s2: Float = 0
        var s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += a[i] * b[i]
            s1 += a[i + 1] * b[i + 1]
            s2 += a[i + 2] * b[i + 2]
            s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < count {
            s0 += a[i] * b[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}

// MARK: - Sample types

/// The sample types the resampler reads and writes.
protocol ResamplingSample {
    /// The sample as a float (16-bit scale for Int16).
    var resamplingValue: Float { get }
    /// Converts a filter output back: rounded and saturated for Int16.
    init(resampled value: Float)
}

extension Int16: ResamplingSample {
    var resamplingValue: Float { Float(self) }
    init(resampled value: Float) {
        let rounded = value.rounded()
        self = rounded >= 32767 ? .max : rounded <= -32768 ? .min : Int16(rounded)
    }
}

extension Float: ResamplingSample {
    var resamplingValue: Float { self }
    init(resampled value: Float) { self = value }
}
