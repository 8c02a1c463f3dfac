/// Saturating mix and gain kernels for 16-bit frames.
///
/// Mixing accumulates in 32 bits and saturates once at the end, so that the sum of several voices clips
/// like an analogue mixer (to the nearest of -32768 and 32767) instead of wrapping around, and so that
/// the order of the voices does not matter. Gains are ``Gain`` values in Q15: a sample times a gain is
/// rounded to the nearest integer, halves upwards (`(x × g + 16384) >> 15`), which makes 0 dB bit-exact.
///
/// A typical frame of several voices:
///
/// ```swift
/// Mixing.clear(accumulator)                                   // Int32 × frame length
/// Mixing.accumulate(prompt, gain: .unity, into: accumulator)
/// Mixing.accumulate(music, gain: Gain(decibels: -18), into: accumulator)
/// Mixing.saturate(UnsafeBufferPointer(accumulator), into: frame)
/// ```
///
/// The accumulator cannot overflow: one voice adds at most 2^15 × 8 (``Gain/maximum``) = 2^18 per sample,
/// so 8192 voices at full scale and maximum gain still fit in an `Int32`.
public enum Mixing {
    // MARK: - One sample

    /// `value` clamped to the range of `Int16`.
    ///
    /// Cost: two compares. Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func saturate(_ value: Int32) -> Int16 {
        Int16(min(max(value, Int32(Int16.min)), Int32(Int16.max)))
    }

    /// `a + b`, clamped to the range of `Int16` (never wraps).
    ///
    /// Cost: one add, two compares. Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func saturatingAdd(_ a: Int16, _ b: Int16) -> Int16 {
        saturate(Int32(a) + Int32(b))
    }

    /// `sample × gain`, rounded to the nearest integer (halves upwards) and not yet saturated: the result
    /// lies in -2^18 ... 2^18 - 8, for an `Int32` accumulator.
    ///
    /// Cost: one multiply, add and shift. Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func scaled(_ sample: Int16, by gain: Gain) -> Int32 {
        // 2^15 × 2^18 needs 34 bits: multiply in 64.
        Int32(truncatingIfNeeded: (Int64(sample) * Int64(gain.q15) + 16384) >> 15)
    }

    /// `sample × gain`, rounded and saturated to `Int16`.
    ///
    /// Cost: one multiply, add, shift and two compares. Real-time safe: no allocation, locks, logging or
    /// blocking.
    @inlinable
    public static func applying(_ gain: Gain, to sample: Int16) -> Int16 {
        saturate(scaled(sample, by: gain))
    }

    // MARK: - Frames

    /// Multiplies every sample of `frame` by `gain` in place, with saturation.
    ///
    /// Cost: per sample one multiply, add, shift and two compares. Real-time safe: no allocation, locks,
    /// logging or blocking.
    @inlinable
    public static func apply(_ gain: Gain, to frame: UnsafeMutableBufferPointer<Int16>) {
        if gain == .unity { return }
        for index in frame.indices { frame[index] = applying(gain, to: frame[index]) }
    }

    /// Adds `source` to `destination` sample by sample with saturation (`destination` must be at least as
    /// long; only `source.count` samples change).
    ///
    /// For more than two signals, use ``accumulate(_:gain:into:)`` and ``saturate(_:into:)``, which clip
    /// once at the end rather than after each addition.
    ///
    /// Cost: per sample one add and two compares. Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func add(_ source: UnsafeBufferPointer<Int16>, to destination: UnsafeMutableBufferPointer<Int16>) {
        precondition(destination.count >= source.count, "Mixing.add: destination shorter than source")
        for index in source.indices { destination[index] = saturatingAdd(destination[index], source[index]) }
    }

    /// Sets the accumulator to zero.
    ///
    /// Cost: one store per sample. Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func clear(_ accumulator: UnsafeMutableBufferPointer<Int32>) {
        guard let base = accumulator.baseAddress else { return }
        base.update(repeating: 0, count: accumulator.count)
    }

    /// Adds `source × gain` to the accumulator (which must be at least as long as `source`).
    ///
    /// Cost: per sample one multiply, two adds and a shift (a plain add at unity gain; nothing when
    /// muted). Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func accumulate(
        _ source: UnsafeBufferPointer<Int16>, gain: Gain, into accumulator: UnsafeMutableBufferPointer<Int32>
    ) {
        precondition(accumulator.count >= source.count, "Mixing.accumulate: accumulator shorter than source")
        switch gain {
        case .mute:
            return
        case .unity:
            for index in source.indices { accumulator[index] += Int32(source[index]) }
        default:
            for index in source.indices { accumulator[index] += scaled(source[index], by: gain) }
        }
    }

    /// Adds `source` to the accumulator with a gain that moves linearly from `start` (applied to the first
    /// sample) towards `end` (which the sample after the last one would get): sample `i` of `n` gets
    /// `start + (end - start) × i / n`, within one Q15 step. Fades use it: a fade-out of `n` samples is
    /// `rampingFrom: gain, to: .mute`, whose last sample still sounds at `gain / n`.
    ///
    /// Cost: per sample one multiply, three adds and two shifts. Real-time safe: no allocation, locks,
    /// logging or blocking.
    @inlinable
    public static func accumulate(
        _ source: UnsafeBufferPointer<Int16>, rampingFrom start: Gain, to end: Gain,
        into accumulator: UnsafeMutableBufferPointer<Int32>
    ) {
        precondition(accumulator.count >= source.count, "Mixing.accumulate: accumulator shorter than source")
        guard !source.isEmpty else { return }
        // The gain in Q15.16 (Q31 of unity), stepped by a constant: no division per sample.
        var gain = Int64(start.q15) << 16
        let step = ((Int64(end.q15) - Int64(start.q15)) << 16) / Int64(source.count)
        for index in source.indices {
            let q15 = Int32(truncatingIfNeeded: gain >> 16)
            accumulator[index] += Int32(truncatingIfNeeded: (Int64(source[index]) * Int64(q15) + 16384) >> 15)
            gain += step
        }
    }

    /// Writes the accumulator to `output`, each sum clamped to the range of `Int16` (`output` must be at
    /// least as long).
    ///
    /// Cost: per sample two compares. Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func saturate(
        _ accumulator: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Int16>
    ) {
        precondition(output.count >= accumulator.count, "Mixing.saturate: output shorter than accumulator")
        for index in accumulator.indices { output[index] = saturate(accumulator[index]) }
    }
}
