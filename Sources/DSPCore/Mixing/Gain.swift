import RealModule

/// A linear gain in Q15 fixed point (32768 = unity, 0 dB), for the mixing kernels of ``Mixing``.
///
/// The factor is an integer so that a gain of 0 dB is bit-exact (every sample passes unchanged) and so
/// that applying it costs one integer multiply, add and shift per sample. The range is mute (0) to
/// ``maximum`` (+18.06 dB, 8 × unity); the finest step is 1/32768 (about 0.0003 dB near unity, coarser
/// below -60 dB, where the step is 0.03 dB at -60 dB and 3 dB at -84 dB).
public struct Gain: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The factor in Q15: `sample × q15 / 32768`.
    public let q15: Int32

    /// The Q15 value of unity gain (0 dB).
    public static let unityQ15: Int32 = 32768
    /// The largest Q15 value: 8 × unity, +18.06 dB.
    public static let maximumQ15: Int32 = 8 * unityQ15

    /// Unity gain: samples pass bit-exact.
    public static let unity = Gain(q15: unityQ15)
    /// Silence.
    public static let mute = Gain(q15: 0)
    /// The loudest gain, +18.06 dB.
    public static let maximum = Gain(q15: maximumQ15)

    /// A gain from its Q15 factor, clamped to `0...maximumQ15`.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public init(q15: Int32) {
        self.q15 = min(max(q15, 0), Gain.maximumQ15)
    }

    /// The gain of `decibels` (amplitude: 10^(dB/20)), rounded to the nearest Q15 step and clamped to
    /// mute ... +18.06 dB; `-infinity` (and anything below -96 dB) is mute, NaN is mute.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (one `exp`).
    @inlinable
    public init(decibels: Double) {
        guard decibels >= -96 else {
            self.init(q15: 0)
            return
        }
        let factor = Level.pow10(dB: min(decibels, 19)) * Double(Gain.unityQ15)
        self.init(q15: Int32(min(factor.rounded(), Double(Gain.maximumQ15))))
    }

    /// The gain as a linear factor (1.0 = unity).
    public var linear: Double { Double(q15) / Double(Gain.unityQ15) }

    /// The gain in dB (`-infinity` for mute).
    public var decibels: Double {
        q15 == 0 ? -.infinity : 20 * Double.log10(linear)
    }

    public static func < (lhs: Gain, rhs: Gain) -> Bool { lhs.q15 < rhs.q15 }

    public var description: String {
        q15 == 0 ? "mute" : "\(decibels) dB"
    }
}
