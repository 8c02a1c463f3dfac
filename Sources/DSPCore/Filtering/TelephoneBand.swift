import RealModule

/// What an analogue telephone line does to audio, for checking what a receiver would hear: the
/// 300-3400 Hz band (a fourth-order Butterworth high-pass and low-pass, as biquads), and the "hot"
/// copy of a recording (band-limited, raised until its peaks reach full scale with soft clipping, and
/// passed through µ-law), the loudest form in which a prompt or its echo comes back.
///
/// Offline only (prompt checks, tests): it allocates its output.
public enum TelephoneBand {
    /// The band's edges, Hz.
    public static let lowEdgeHz = 300.0
    public static let highEdgeHz = 3400.0
    /// The gain above peak normalisation that the hot copy's soft clipper is driven with, dB.
    public static let hotDriveDB = 6.0

    /// The band filter as a stream: one sample in, one out.
    public struct Filter: Sendable {
        var sections: (Biquad, Biquad, Biquad, Biquad)

        public init(sampleRate: Double = 8000) {
            // The Q of the two sections of a fourth-order Butterworth filter.
            let q = (0.541_196_1, 1.306_563_0)
            sections = (
                Biquad.highPass(cutoffHz: lowEdgeHz, q: q.0, sampleRate: sampleRate),
                Biquad.highPass(cutoffHz: lowEdgeHz, q: q.1, sampleRate: sampleRate),
                Biquad.lowPass(cutoffHz: highEdgeHz, q: q.0, sampleRate: sampleRate),
                Biquad.lowPass(cutoffHz: highEdgeHz, q: q.1, sampleRate: sampleRate)
            )
        }

        /// The next output sample for input `x`.
        public mutating func step(_ x: Double) -> Double {
            sections.3.step(sections.2.step(sections.1.step(sections.0.step(x))))
        }
    }

    /// `samples` (8 kHz) band-limited to 300-3400 Hz.
    public static func filter(_ samples: [Double], sampleRate: Double = 8000) -> [Double] {
        var filter = Filter(sampleRate: sampleRate)
        return samples.map { filter.step($0) }
    }

    /// `samples` band-limited, scaled by `gain` and rounded to 16 bits.
    public static func filter(_ samples: [Int16], gain: Double = 1) -> [Int16] {
        filter(samples.map(Double.init)).map { Saturate.int16($0 * gain) }
    }

    /// The hot copy of `samples` (8 kHz): band-limited, normalised so that its peak is full scale, driven
    /// `hotDriveDB` harder into a soft clipper (tanh), and coded through µ-law and back.
    public static func hotCopy(_ samples: [Int16]) -> [Int16] {
        let band = filter(samples.map(Double.init))
        let peak = band.reduce(0) { max($0, abs($1)) }
        guard peak > 0 else { return samples.map { _ in 0 } }
        let drive = Level.pow10(dB: hotDriveDB) / peak
        let top = 32767.0
        return band.map { x in
            let clipped = top * Double.tanh(x * drive)
            return G711.muLawDecode(G711.muLawEncode(Saturate.int16(clipped)))
        }
    }

    /// One second-order section (RBJ's cookbook forms), direct form I.
    struct Biquad: Sendable {
        var b0, b1, b2, a1, a2: Double
        var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

        static func lowPass(cutoffHz: Double, q: Double, sampleRate: Double) -> Biquad {
            let w = 2 * Double.pi * cutoffHz / sampleRate
            let alpha = Double.sin(w) / (2 * q), c = Double.cos(w)
            let a0 = 1 + alpha
            return Biquad(
                b0: (1 - c) / 2 / a0, b1: (1 - c) / a0, b2: (1 - c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
        }

        static func highPass(cutoffHz: Double, q: Double, sampleRate: Double) -> Biquad {
            let w = 2 * Double.pi * cutoffHz / sampleRate
            let alpha = Double.sin(w) / (2 * q), c = Double.cos(w)
            let a0 = 1 + alpha
            return Biquad(
                b0: (1 + c) / 2 / a0, b1: -(1 + c) / a0, b2: (1 + c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
        }

        mutating func step(_ x: Double) -> Double {
            let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2 = x1
            x1 = x
            y2 = y1
            y1 = y
            return y
        }
    }
}
