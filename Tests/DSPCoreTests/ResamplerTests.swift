import DSPCore
import RealModule
import Testing

/// Measurements of the polyphase resampler: stop-band, passband, timing, length and streaming.
///
/// Levels are measured with a least-squares sine fit at the known frequency (exact for a pure tone of any
/// length, unlike a windowed DFT), on the floating-point path so that 16-bit rounding does not limit what
/// can be seen; the Int16 path runs the same kernel.
@Suite("Resampler")
struct ResamplerTests {
    static let commonRates = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000]

    /// The shared design for a pair of rates is the design itself, for more pairs than the cache keeps,
    /// asked twice in a different order (so that some answers come from the cache and some after it
    /// started again).
    @Test("shared designs equal fresh ones, past the cache's size")
    func sharedDesigns() {
        let pairs = (Self.commonRates + [44101, 7999, 12345, 384_000]).flatMap { rate in [(rate, 8000), (8000, rate)] }
        #expect(pairs.count > ResamplerFilter.designCacheLimit)
        for (input, output) in pairs + pairs.reversed() + pairs {
            #expect(
                ResamplerFilter.shared(inputSampleRate: input, outputSampleRate: output)
                    == ResamplerFilter(inputSampleRate: input, outputSampleRate: output), "\(input) -> \(output)")
        }
    }

    // MARK: - Stop-band

    /// Rates whose stop-band is swept. 44101 and 8000 -> 44101 need more than 512 phases (interpolated).
    static let downsamplingRates = [11025, 16000, 22050, 32000, 44100, 48000, 96000, 44101]

    /// Every tone from the output Nyquist frequency up to the input Nyquist frequency comes out at least
    /// 78 dB below its input level at its alias in the 8 kHz output (design: 80 dB; measured 80.1 dB at
    /// worst, just above 4 kHz).
    @Test("Tones above 4 kHz are at least 78 dB down at 8 kHz", arguments: downsamplingRates)
    func stopbandWhenDownsampling(inputSampleRate: Int) {
        let filter = ResamplerFilter(inputSampleRate: inputSampleRate, outputSampleRate: 8000)
        let inputNyquist = Double(inputSampleRate) / 2
        var worstDB = -Double.infinity
        var worstFrequency = 0.0
        for frequency in Self.sweep(from: 4000, to: inputNyquist - 20, count: 48) {
            let alias = Self.alias(of: frequency, sampleRate: 8000)
            guard alias > 20, alias < 3980 else { continue }
            let gainDB = Self.gainDB(filter: filter, frequency: frequency, outputFrequency: alias)
            if gainDB > worstDB { (worstDB, worstFrequency) = (gainDB, frequency) }
        }
        print("stop-band \(inputSampleRate) -> 8000: worst \(worstDB) dB at \(worstFrequency) Hz")
        #expect(worstDB < -78, "\(inputSampleRate) -> 8000: \(worstDB) dB at \(worstFrequency) Hz")
    }

    /// When upsampling 8 kHz, the images of every tone in 0...4 kHz are at least 78 dB down
    /// (measured 80.4 dB at worst).
    @Test("Images are at least 78 dB down when upsampling 8 kHz", arguments: [11025, 16000, 44100, 48000, 44101])
    func imagesWhenUpsampling(outputSampleRate: Int) {
        let filter = ResamplerFilter(inputSampleRate: 8000, outputSampleRate: outputSampleRate)
        var worstDB = -Double.infinity
        var worstFrequency = 0.0
        for frequency in Self.sweep(from: 30, to: 3997, count: 24) + stride(from: 3700, through: 3997, by: 9.7) {
            // The first image, 8000 - f, is the nearest one to the passband.
            let image = 8000 - frequency
            guard image < Double(outputSampleRate) / 2 - 20 else { continue }
            let gainDB = Self.gainDB(filter: filter, frequency: frequency, outputFrequency: image)
            if gainDB > worstDB { (worstDB, worstFrequency) = (gainDB, frequency) }
        }
        print("images 8000 -> \(outputSampleRate): worst \(worstDB) dB for a tone at \(worstFrequency) Hz")
        #expect(worstDB < -78, "8000 -> \(outputSampleRate): \(worstDB) dB at \(worstFrequency) Hz")
    }

    // MARK: - Passband

    /// Tones from 100 Hz to 3400 Hz keep their level within ±0.002 dB
    /// (design ripple ±0.001 dB; measured ±0.0007 dB).
    @Test(
        "Passband is flat within 0.002 dB up to 3400 Hz",
        arguments: [
            (48000, 8000), (44100, 8000), (16000, 8000), (11025, 8000), (8000, 16000), (8000, 48000),
            (8000, 44100), (44101, 8000),
        ]
    )
    func passband(inputSampleRate: Int, outputSampleRate: Int) {
        let filter = ResamplerFilter(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate)
        var worstDB = 0.0
        for frequency in stride(from: 100.0, through: 3400, by: 100) {
            let gainDB = Self.gainDB(filter: filter, frequency: frequency, outputFrequency: frequency)
            if gainDB.magnitude > worstDB.magnitude { worstDB = gainDB }
        }
        print("passband \(inputSampleRate) -> \(outputSampleRate): worst deviation \(worstDB) dB")
        #expect(worstDB.magnitude < 0.002, "\(inputSampleRate) -> \(outputSampleRate): \(worstDB) dB")
    }

    @Test("Equal rates copy samples through")
    func passthrough() {
        var resampler = Resampler(inputSampleRate: 8000, outputSampleRate: 8000)
        let input: [Int16] = (0..<1000).map { Int16(truncatingIfNeeded: $0 &* 7919) }
        #expect(resampler.processAndFlush(input) == input)
    }

    // MARK: - Timing and length

    /// One second in gives exactly one second out, for every pair of a common rate and 8 kHz.
    @Test("One second in gives one second out", arguments: commonRates)
    func lengthOfOneSecond(rate: Int) {
        let input = [Int16](repeating: 1000, count: rate)
        var down = Resampler(inputSampleRate: rate, outputSampleRate: 8000)
        #expect(down.processAndFlush(input).count == 8000)
        var up = Resampler(inputSampleRate: 8000, outputSampleRate: rate)
        #expect(up.processAndFlush([Int16](repeating: 1000, count: 8000)).count == rate)
    }

    /// Output sample k lands at input time k·M/L: a sine resampled matches the same sine computed at the
    /// output rate, sample by sample, with no delay (SNR well above 60 dB away from the edges).
    @Test(
        "A 1 kHz sine is reproduced in place with no delay",
        arguments: [(48000, 8000), (44100, 8000), (22050, 8000), (8000, 48000), (8000, 11025), (44101, 8000)]
    )
    func noDelay(inputSampleRate: Int, outputSampleRate: Int) {
        let frequency = 1000.0
        let amplitude = 16000.0
        let input = Self.sine(
            frequency, sampleRate: inputSampleRate, frameCount: inputSampleRate / 2, amplitude: amplitude
        )
        .map { Int16($0.rounded()) }
        var resampler = Resampler(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate)
        let output = resampler.processAndFlush(input)
        let ideal = Self.sine(frequency, sampleRate: outputSampleRate, frameCount: output.count, amplitude: amplitude)
        // Skip the edges, where the input starts and stops abruptly.
        let margin = outputSampleRate / 50
        var signal = 0.0
        var error = 0.0
        for k in margin..<(output.count - margin) {
            signal += ideal[k] * ideal[k]
            error += (Double(output[k]) - ideal[k]) * (Double(output[k]) - ideal[k])
        }
        let snrDB = 10 * Double.log10(signal / error)
        print("no-delay \(inputSampleRate) -> \(outputSampleRate): SNR \(snrDB) dB")
        #expect(snrDB > 70)
    }

    // MARK: - Streaming

    /// Feeding blocks of odd sizes gives the same samples as one call.
    @Test(
        "Streaming in odd blocks equals one call",
        arguments: [(48000, 8000), (44100, 8000), (11025, 8000), (8000, 44100), (8000, 16000), (44101, 8000)]
    )
    func streamingMatchesOneCall(inputSampleRate: Int, outputSampleRate: Int) {
        let input: [Int16] = (0..<inputSampleRate / 4).map { index in
            // A chirp plus a deterministic pseudo-random part.
            let t = Double(index) / Double(inputSampleRate)
            let chirp = 12000 * Double.sin(2 * Double.pi * (200 + 4000 * t) * t)
            return Int16(chirp) &+ Int16(truncatingIfNeeded: (index &* 1_103_515_245 &+ 12345) >> 20) / 8
        }
        var whole = Resampler(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate)
        let expected = whole.processAndFlush(input)

        var streamed = Resampler(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate)
        var output: [Int16] = []
        var scratch = [Int16](repeating: 0, count: streamed.maximumOutputFrameCount(inputFrameCount: 1021))
        let blockSizes = [1, 7, 1021, 13, 160, 2, 999, 3]
        var start = 0
        var blockIndex = 0
        while start < input.count {
            let end = min(input.count, start + blockSizes[blockIndex % blockSizes.count])
            let produced = input[start..<end].withUnsafeBufferPointer { block in
                scratch.withUnsafeMutableBufferPointer { streamed.process(block, into: $0) }
            }
            #expect(produced <= streamed.maximumOutputFrameCount(inputFrameCount: end - start))
            output += scratch[..<produced]
            start = end
            blockIndex += 1
        }
        var tail = [Int16](repeating: 0, count: streamed.pendingFlushFrameCount)
        let flushed = tail.withUnsafeMutableBufferPointer { streamed.flush(into: $0) }
        output += tail[..<flushed]
        #expect(output.count == expected.count)
        #expect(output == expected)
    }

    @Test("Resampling.resample converts a whole signal")
    func oneCall() {
        let input = [Int16](repeating: 1000, count: 8000)
        let output = Resampling.resample(input, from: 8000, to: 48000)
        #expect(output.count == 48000)
        #expect(output[24000] == 1000)
        #expect(Resampling.resample(output, from: 48000, to: 8000)[4000] == 1000)
        #expect(Resampling.resample(input, from: 8000, to: 8000) == input)
    }

    @Test("Reset starts a new stream")
    func resetStartsOver() {
        var resampler = Resampler(inputSampleRate: 44100, outputSampleRate: 8000)
        let input: [Int16] = (0..<4410).map { Int16(truncatingIfNeeded: $0 &* 31) }
        let first = resampler.processAndFlush(input)
        let second = resampler.processAndFlush(input)
        #expect(first == second)
        #expect(resampler.inputFrameCount == 0)
    }

    @Test("The filter reports its design")
    func design() {
        let filter = ResamplerFilter(inputSampleRate: 44100, outputSampleRate: 8000)
        #expect(filter.upsamplingFactor == 80)
        #expect(filter.downsamplingFactor == 441)
        #expect(filter.passbandEdgeHz == 3500)
        #expect(filter.stopbandEdgeHz == 4000)
        #expect(!filter.interpolatesPhases)
        #expect(ResamplerFilter(inputSampleRate: 44101, outputSampleRate: 8000).interpolatesPhases)
        #expect(ResamplerFilter(inputSampleRate: 8000, outputSampleRate: 8000).isPassthrough)
    }

    // MARK: - Helpers

    /// `count` tones spread over `low...high`, plus a dense set within 300 Hz above `low`, where the
    /// response is closest to its limit.
    static func sweep(from low: Double, to high: Double, count: Int) -> [Double] {
        // An irrational-ish offset keeps the tones off exact multiples of the rates.
        let spread = (0..<count).map { low + 7.3 + (high - low - 7.3) * Double($0) / Double(count - 1) }
        let edge = stride(from: 3.0, through: 300, by: 9.7).map { low + $0 }.filter { $0 < high }
        return edge + spread
    }

    /// The frequency a tone at `frequency` lands on after sampling at `sampleRate`.
    static func alias(of frequency: Double, sampleRate: Int) -> Double {
        let rate = Double(sampleRate)
        let folded = frequency.truncatingRemainder(dividingBy: rate)
        return folded > rate / 2 ? rate - folded : folded
    }

    static func sine(_ frequency: Double, sampleRate: Int, frameCount: Int, amplitude: Double) -> [Double] {
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        return (0..<frameCount).map { amplitude * Double.sin(step * Double($0)) }
    }

    /// The gain in dB from a unit tone at `frequency` in the input to the tone at `outputFrequency`
    /// in the output, through the floating-point path, measured away from the edges.
    static func gainDB(filter: ResamplerFilter, frequency: Double, outputFrequency: Double) -> Double {
        let frameCount = filter.inputSampleRate / 8
        let input = sine(frequency, sampleRate: filter.inputSampleRate, frameCount: frameCount, amplitude: 1)
            .map { Float($0) }
        var resampler = Resampler(filter: filter)
        let output = resampler.processAndFlush(input)
        let margin = filter.tapsPerPhase * filter.outputSampleRate / filter.inputSampleRate + 8
        // Fit the tone itself too when it is present in the output, so that it cannot leak into the estimate.
        let outputNyquist = Double(filter.outputSampleRate) / 2
        let frequencies =
            frequency < outputNyquist && frequency != outputFrequency
            ? [outputFrequency, frequency] : [outputFrequency]
        let amplitudes = toneAmplitudes(
            output[margin..<(output.count - margin)], frequencies: frequencies, sampleRate: filter.outputSampleRate)
        return 20 * Double.log10(amplitudes[0])
    }

    /// The amplitudes of the sinusoids at `frequencies` that jointly best fit `signal` (least squares on a
    /// cos and a sin per frequency), so that a strong tone does not leak into the estimate of a weak one.
    static func toneAmplitudes(_ signal: ArraySlice<Float>, frequencies: [Double], sampleRate: Int) -> [Double] {
        let size = 2 * frequencies.count
        var normal = [[Double]](repeating: [Double](repeating: 0, count: size + 1), count: size)
        var basis = [Double](repeating: 0, count: size)
        for (offset, value) in signal.enumerated() {
            for (index, frequency) in frequencies.enumerated() {
                let phase = 2 * Double.pi * frequency / Double(sampleRate) * Double(offset)
                basis[2 * index] = Double.cos(phase)
                basis[2 * index + 1] = Double.sin(phase)
            }
            for row in 0..<size {
                for column in 0..<size { normal[row][column] += basis[row] * basis[column] }
                normal[row][size] += basis[row] * Double(value)
            }
        }
        // Gauss-Jordan elimination with partial pivoting.
        for pivot in 0..<size {
            let best = (pivot..<size).max { normal[$0][pivot].magnitude < normal[$1][pivot].magnitude }!
            normal.swapAt(pivot, best)
            for row in 0..<size where row != pivot {
                let factor = normal[row][pivot] / normal[pivot][pivot]
                for column in pivot...size { normal[row][column] -= factor * normal[pivot][column] }
            }
        }
        return frequencies.indices.map { index in
            let a = normal[2 * index][size] / normal[2 * index][2 * index]
            let b = normal[2 * index + 1][size] / normal[2 * index + 1][2 * index + 1]
            return (a * a + b * b).squareRoot()
        }
    }
}
