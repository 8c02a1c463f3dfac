import RealModule

/// Conversions between 16-bit linear sample values and telephony levels in dBm0.
///
/// The digital milliwatt convention of G.711: a sine wave whose peak is full scale (32768) measures
/// +3.14 dBm0 under A-law and +3.17 dBm0 under µ-law. DTMF levels in this project follow the A-law
/// convention (as SpanDSP does); the 0.03 dB difference is below every tolerance that matters here.
public enum Level {
    /// The level in dBm0 of a full-scale sine (A-law convention, G.711 Table 2a).
    public static let fullScaleSineDBm0 = 3.14
    /// The peak of a full-scale 16-bit sine.
    public static let fullScale = 32768.0

    /// The peak amplitude of a sine wave at `dBm0`.
    @inlinable
    public static func sineAmplitude(dBm0: Double, fullScaleSineDBm0: Double = Level.fullScaleSineDBm0) -> Double {
        fullScale * pow10(dB: dBm0 - fullScaleSineDBm0)
    }

    /// The level in dBm0 of a signal whose root-mean-square value is `rms` (in 16-bit units).
    @inlinable
    public static func dBm0(rms: Double, fullScaleSineDBm0: Double = Level.fullScaleSineDBm0) -> Double {
        // A full-scale sine has rms fullScale / sqrt(2).
        guard rms > 0 else { return -.infinity }
        return 20 * Double.log10(rms * 2.0.squareRoot() / fullScale) + fullScaleSineDBm0
    }

    /// The level in dBm0 of a signal whose mean power (mean of squared samples) is `meanSquare`.
    @inlinable
    public static func dBm0(meanSquare: Double, fullScaleSineDBm0: Double = Level.fullScaleSineDBm0) -> Double {
        dBm0(rms: meanSquare.squareRoot(), fullScaleSineDBm0: fullScaleSineDBm0)
    }

    /// The mean power (mean square, 16-bit units) of a signal at `dBm0`.
    @inlinable
    public static func meanSquare(dBm0: Double) -> Double {
        let amplitude = sineAmplitude(dBm0: dBm0)
        return amplitude * amplitude / 2
    }

    /// 10^(dB/20): the amplitude ratio of a level difference.
    @inlinable
    public static func pow10(dB: Double) -> Double { Double.exp(dB * (Double.log(10.0) / 20)) }
}
