/// A prompt file format, as `prompts.formats` names it, with the file extensions it is looked up by.
///
/// | name | extensions | content |
/// |---|---|---|
/// | `opus` | .opus | Ogg Opus |
/// | `alaw` | .alaw, .al | headerless G.711 A-law, 8 kHz |
/// | `ulaw` | .ulaw, .ul | headerless G.711 µ-law, 8 kHz |
/// | `wav` | .wav | RIFF WAVE (PCM, µ-law, A-law ..., any rate and channel count) |
/// | `sln` | .sln, .raw | headerless signed 16-bit little-endian, 8 kHz |
///
/// Only formats `MediaCodecs.AudioFileReader` reads are here: Asterisk's `gsm`, `g729`, `g722` and
/// `siren` files are not.
public enum PromptFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case opus
    case alaw
    case ulaw
    case wav
    case sln

    /// The default preference order of `prompts.formats`.
    public static let defaultOrder: [PromptFormat] = [.opus, .alaw, .ulaw, .wav]

    /// The extensions tried for this format, in order, without the dot.
    public var fileExtensions: [String] {
        switch self {
        case .opus: return ["opus"]
        case .alaw: return ["alaw", "al"]
        case .ulaw: return ["ulaw", "ul"]
        case .wav: return ["wav"]
        case .sln: return ["sln", "raw"]
        }
    }

    public var description: String { rawValue }
}
