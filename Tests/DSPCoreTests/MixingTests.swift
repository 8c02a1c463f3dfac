import DSPCore
import Foundation
import MediaTestSupport
import Testing

/// The mixing kernels against wider-type oracles: exhaustive over Int16 for gain and saturation, a dense
/// sweep of pairs for the saturating add.
struct MixingTests {
    /// Gains from mute to the maximum, with the steps around unity and the powers of two.
    static let gains: [Int32] = [0, 1, 3, 16384, 23170, 32767, 32768, 32769, 46341, 65536, 100_000, 131_072, 262_144]

    /// The Q15 product rounded to nearest (halves up), in exact Double arithmetic (|x × g| < 2^34).
    static func oracleScaled(_ sample: Int16, _ q15: Int32) -> Int64 {
        Int64((Double(sample) * Double(q15) / 32768 + 0.5).rounded(.down))
    }

    static func clamp(_ value: Int64) -> Int16 { Int16(min(max(value, -32768), 32767)) }

    @Test("gain applied to every Int16 matches the rounded, saturated product", arguments: gains)
    func gainExhaustive(q15: Int32) {
        let gain = Gain(q15: q15)
        var mismatches = 0
        for value in Int16.min...Int16.max {
            let expected = Self.oracleScaled(value, q15)
            if Int64(Mixing.scaled(value, by: gain)) != expected { mismatches += 1 }
            if Mixing.applying(gain, to: value) != Self.clamp(expected) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("unity gain is bit-exact and mute is silence for every Int16")
    func unityAndMute() {
        for value in Int16.min...Int16.max {
            if Mixing.applying(.unity, to: value) != value || Mixing.applying(.mute, to: value) != 0 {
                Issue.record("value \(value)")
                return
            }
        }
    }

    @Test("saturate clamps every Int32 boundary and passes the Int16 range unchanged")
    func saturateInt32() {
        for value in Int32(Int16.min)...Int32(Int16.max) where Mixing.saturate(value) != Int16(value) {
            Issue.record("value \(value)")
            return
        }
        for value: Int32 in [32768, 32769, 65535, 1 << 20, .max, -32769, -65536, -(1 << 20), .min] {
            #expect(Mixing.saturate(value) == (value > 0 ? Int16.max : Int16.min))
        }
    }

    @Test("saturating add of a dense sweep of pairs matches an Int64 oracle")
    func saturatingAddSweep() {
        // Every 257th first operand plus the edges, against every second operand: 16.8 million pairs.
        var firsts = Array(stride(from: Int(Int16.min), through: Int(Int16.max), by: 257)).map { Int16($0) }
        firsts += [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        var mismatches = 0
        for a in firsts {
            for b in Int16.min...Int16.max where Mixing.saturatingAdd(a, b) != Self.clamp(Int64(a) + Int64(b)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    @Test("accumulating four voices with gains and saturating once matches the oracle")
    func accumulateFourVoices() {
        var random = SeededRandom(seed: 7)
        let length = 1000
        let voices = (0..<4).map { _ in (0..<length).map { _ in Int16(truncatingIfNeeded: random.next()) } }
        let gains = [Gain(q15: 32768), Gain(decibels: -6), Gain(decibels: 6), Gain(q15: 12345)]
        var accumulator = [Int32](repeating: 99, count: length)
        var output = [Int16](repeating: 0, count: length)
        accumulator.withUnsafeMutableBufferPointer { accumulator in
            Mixing.clear(accumulator)
            for (voice, gain) in zip(voices, gains) {
                voice.withUnsafeBufferPointer { Mixing.accumulate($0, gain: gain, into: accumulator) }
            }
            output.withUnsafeMutableBufferPointer { Mixing.saturate(UnsafeBufferPointer(accumulator), into: $0) }
        }
        var mismatches = 0
        var clipped = 0
        for index in 0..<length {
            var sum: Int64 = 0
            for (voice, gain) in zip(voices, gains) { sum += Self.oracleScaled(voice[index], gain.q15) }
            if output[index] != Self.clamp(sum) { mismatches += 1 }
            if sum > 32767 || sum < -32768 { clipped += 1 }
        }
        #expect(mismatches == 0)
        #expect(clipped > 100, "the test signal must exercise saturation")
    }

    @Test("two-frame saturating add and in-place gain")
    func frameKernels() {
        let a: [Int16] = [30000, -30000, 100, -32768, 32767]
        var b: [Int16] = [10000, -10000, -100, -1, 1, 555]
        a.withUnsafeBufferPointer { a in b.withUnsafeMutableBufferPointer { Mixing.add(a, to: $0) } }
        #expect(b == [32767, -32768, 0, -32768, 32767, 555])
        var c: [Int16] = [1000, -1000, 20000, -20000]
        c.withUnsafeMutableBufferPointer { Mixing.apply(Gain(q15: 65536), to: $0) }
        #expect(c == [2000, -2000, 32767, -32768])
    }

    @Test("a gain ramp moves linearly from start to end within two LSB of the exact product")
    func ramp() {
        let source = [Int16](repeating: 20000, count: 32) + [Int16](repeating: -32768, count: 9)
        for (start, end) in [
            (Gain.unity, Gain.mute), (Gain.mute, Gain.unity), (Gain(decibels: 6), Gain(decibels: -20)),
        ] {
            var accumulator = [Int32](repeating: 0, count: source.count)
            source.withUnsafeBufferPointer { source in
                accumulator.withUnsafeMutableBufferPointer {
                    Mixing.accumulate(source, rampingFrom: start, to: end, into: $0)
                }
            }
            for index in source.indices {
                let gain = Double(start.q15) + Double(end.q15 - start.q15) * Double(index) / Double(source.count)
                let exact = Double(source[index]) * gain / 32768
                #expect(abs(Double(accumulator[index]) - exact) <= 2, "sample \(index) from \(start) to \(end)")
            }
            #expect(accumulator[0] == Mixing.scaled(source[0], by: start))
        }
    }

    @Test("gains from decibels: exact unity, -6.02 dB halves, clamps and mute")
    func decibels() {
        #expect(Gain(decibels: 0) == .unity)
        #expect(Gain(decibels: 20 * log10(0.5)) == Gain(q15: 16384))
        #expect(abs(Gain(decibels: -13).decibels + 13) < 0.001)
        #expect(Gain(decibels: 40) == .maximum)
        #expect(abs(Gain.maximum.decibels - 18.06) < 0.01)
        #expect(Gain(decibels: -.infinity) == .mute)
        #expect(Gain(decibels: .nan) == .mute)
        #expect(Gain(decibels: -97) == .mute)
        #expect(Gain(q15: -5) == .mute)
        #expect(Gain(q15: .max) == .maximum)
    }
}
