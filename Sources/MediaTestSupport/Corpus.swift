import DSPCore
import Foundation
import MediaCodecs

/// Real audio that Debian ships, used as test material: Asterisk's English and Russian prompts
/// (asterisk-core-sounds-en-wav, asterisk-core-sounds-ru-wav) and its music on hold
/// (asterisk-moh-opsound-wav). `make test` installs them.
public enum Corpus {
    public static let soundsDirectory = "/usr/share/asterisk/sounds"
    public static let musicDirectory = "/usr/share/asterisk/moh"
    /// The English prompts, one speaker.
    public static let englishDirectory = "/usr/share/asterisk/sounds/en_US_f_Allison"
    /// The Russian prompts, one speaker.
    public static let russianDirectory = "/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU"

    /// Every WAV file below `directory`, sorted.
    public static func wavFiles(below directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".wav") { files.append(directory + "/" + relative) }
        }
        return files.sorted()
    }

    /// The talk-off corpus: all prompts in every language and all music on hold.
    public static func talkOffFiles() -> [String] {
        wavFiles(below: soundsDirectory) + wavFiles(below: musicDirectory)
    }

    /// Reads a file as mono 8 kHz samples (the first channel).
    public static func read(_ path: String) throws -> [Int16] {
        try AudioFile.read(path: path).channels.first ?? []
    }

    /// The English prompts as speech for mixing, in a fixed order.
    public static func englishUtterances() throws -> [[Double]] {
        try wavFiles(below: englishDirectory).map { try read($0).map(Double.init) }
    }
}
