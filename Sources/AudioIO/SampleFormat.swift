import CAlsa
import DSPCore

/// The sample format a device carries on the wire. The API above the device is always linear 16-bit;
/// µ-law and A-law are companded by ``PCMStream`` with DSPCore's ``G711`` (G.191-exact), never by
/// alsa-lib's `mulaw`/`alaw` plugins (which negate instead of taking the one's complement).
public enum SampleFormat: String, Sendable, Hashable, CaseIterable {
    /// Signed 16-bit little-endian linear PCM.
    case s16le = "S16_LE"
    /// G.711 µ-law, one byte per sample.
    case muLaw = "MU_LAW"
    /// G.711 A-law, one byte per sample.
    case aLaw = "A_LAW"

    /// The size of one sample on the device: 2 for linear, 1 for G.711.
    public var bytesPerSample: Int {
        switch self {
        case .s16le: return 2
        case .muLaw, .aLaw: return 1
        }
    }

    /// The G.711 law of a companded format; nil for linear PCM.
    public var law: G711.Law? {
        switch self {
        case .s16le: return nil
        case .muLaw: return .muLaw
        case .aLaw: return .aLaw
        }
    }

    /// The alsa-lib format constant.
    var alsaFormat: snd_pcm_format_t {
        switch self {
        case .s16le: return SND_PCM_FORMAT_S16_LE
        case .muLaw: return SND_PCM_FORMAT_MU_LAW
        case .aLaw: return SND_PCM_FORMAT_A_LAW
        }
    }
}
