import CSndfile
import DSPCore

/// The audio file formats the prompt library reads and writes.
///
/// Headerless formats are the ones Asterisk prompt libraries use, named by extension:
///
/// | case | extensions | content |
/// |---|---|---|
/// | `wav` | .wav | RIFF WAVE; reading accepts any encoding libsndfile decodes (PCM 8/16/24/32, float, µ-law, A-law...), writing uses 16-bit PCM |
/// | `wavMuLaw` | (none: `--format`) | RIFF WAVE, G.711 µ-law (format tag 7) |
/// | `wavALaw` | (none: `--format`) | RIFF WAVE, G.711 A-law (format tag 6) |
/// | `pcm16Raw` | .sln .raw (.sln16 .sln48 ... set the rate) | signed 16-bit little-endian, 8 kHz mono unless told |
/// | `muLawRaw` | .ul .ulaw .mu | G.711 µ-law bytes, 8 kHz mono |
/// | `aLawRaw` | .al .alaw | G.711 A-law bytes, 8 kHz mono |
/// | `opus` | .opus .ogg | Ogg Opus (reading accepts any Ogg codec libsndfile decodes) |
///
/// The raw values (`"wav"`, `"sln"`, ...) are the names the CLI's `--format` accepts; see
/// ``init(name:)`` for the aliases.
public enum AudioFileFormat: String, Sendable, Hashable, CaseIterable {
    /// RIFF WAVE, 16-bit PCM when writing.
    case wav
    /// RIFF WAVE with G.711 µ-law samples.
    case wavMuLaw = "wav-ulaw"
    /// RIFF WAVE with G.711 A-law samples.
    case wavALaw = "wav-alaw"
    /// Headerless signed 16-bit little-endian PCM (Asterisk `.sln`).
    case pcm16Raw = "sln"
    /// Headerless G.711 µ-law (Asterisk `.ulaw`).
    case muLawRaw = "ulaw"
    /// Headerless G.711 A-law (Asterisk `.alaw`).
    case aLawRaw = "alaw"
    /// Ogg Opus.
    case opus

    /// The format a file extension names (case-insensitive, without the dot), or nil.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "wav", "wave": self = .wav
        case "sln", "raw", "s16", "sln8": self = .pcm16Raw
        case "ul", "ulaw", "mu", "mulaw", "pcmu": self = .muLawRaw
        case "al", "alaw", "pcma": self = .aLawRaw
        case "opus", "ogg", "oga": self = .opus
        default:
            guard Self.slinearSampleRate(fileExtension: fileExtension) != nil else { return nil }
            self = .pcm16Raw
        }
    }

    /// The format a CLI `--format` name gives: the raw values and the extensions ``init(fileExtension:)``
    /// knows, plus `pcm16`, `mulaw-wav` style spellings.
    public init?(name: String) {
        let lowered = name.lowercased()
        if let format = AudioFileFormat(rawValue: lowered) {
            self = format
            return
        }
        switch lowered {
        case "wav-mulaw", "wav-ul", "wav-mu", "mulaw-wav", "ulaw-wav": self = .wavMuLaw
        case "wav-al", "alaw-wav": self = .wavALaw
        case "wav-pcm16", "wav16": self = .wav
        case "pcm16", "slin", "s16le": self = .pcm16Raw
        default:
            guard let format = AudioFileFormat(fileExtension: lowered) else { return nil }
            self = format
        }
    }

    /// The format named by the extension of `path`, or nil when there is none or it is unknown.
    public init?(path: String) {
        guard let fileExtension = Self.fileExtension(of: path) else { return nil }
        self.init(fileExtension: fileExtension)
    }

    /// True for the headerless formats, whose rate and channel count must be known in advance.
    public var isRaw: Bool {
        switch self {
        case .pcm16Raw, .muLawRaw, .aLawRaw: return true
        case .wav, .wavMuLaw, .wavALaw, .opus: return false
        }
    }

    /// The G.711 law of the samples, for the four G.711 formats.
    public var law: G711.Law? {
        switch self {
        case .wavMuLaw, .muLawRaw: return .muLaw
        case .wavALaw, .aLawRaw: return .aLaw
        case .wav, .pcm16Raw, .opus: return nil
        }
    }

    /// The sample rate Asterisk's signed-linear extensions imply: `sln` 8000, `sln12` 12000, `sln16`
    /// 16000, `sln24`, `sln32`, `sln44` (44100), `sln48`, `sln96`, `sln192`; nil for anything else.
    public static func slinearSampleRate(fileExtension: String) -> Int? {
        switch fileExtension.lowercased() {
        case "sln", "sln8", "raw", "s16": return 8000
        case "sln12": return 12000
        case "sln16": return 16000
        case "sln24": return 24000
        case "sln32": return 32000
        case "sln44": return 44100
        case "sln48": return 48000
        case "sln96": return 96000
        case "sln192": return 192000
        default: return nil
        }
    }

    /// The extension of the last path component, without the dot, or nil.
    static func fileExtension(of path: String) -> String? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        return ext.isEmpty ? nil : String(ext)
    }

    /// The libsndfile major format and encoding used when writing.
    var sndfileWriteFormat: Int32 {
        switch self {
        case .wav: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavMuLaw: return Int32(SF_FORMAT_WAV | SF_FORMAT_ULAW)
        case .wavALaw: return Int32(SF_FORMAT_WAV | SF_FORMAT_ALAW)
        case .pcm16Raw: return Int32(SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE)
        case .muLawRaw: return Int32(SF_FORMAT_RAW | SF_FORMAT_ULAW)
        case .aLawRaw: return Int32(SF_FORMAT_RAW | SF_FORMAT_ALAW)
        case .opus: return Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
        }
    }
}
