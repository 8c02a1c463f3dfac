import Foundation
import MediaTestSupport
import PromptMixer
import Testing

/// Debian's `asterisk-core-sounds-en-wav` and `-ru-wav` serve as a prompt root as they are installed
/// (`make test` installs them; the tests are skipped without them).
struct DebianSoundsTests {
    static let root = Corpus.soundsDirectory
    static let installed = FileManager.default.fileExists(atPath: root + "/en_US_f_Allison/digits/7.wav")

    @Test(
        "en and ru find en_US_f_Allison and ru_RU_f_IvrvoiceRU; digits and English numbers are complete",
        .enabled(if: installed))
    func debianPackages() throws {
        var requests: [PromptRequest] = []
        for language in ["en", "ru", "en-US"] {
            requests += Say.digits("0123456789*#").map { PromptRequest(id: $0, language: language) }
        }
        for number in [0, 7, 19, 42, 100, 999, 1000, 12_345, 999_999_999] {
            requests += (Say.number(number, language: "en") ?? []).map { PromptRequest(id: $0, language: "en") }
        }
        let library = try PromptLibrary.load(root: Self.root, formats: [.wav], requests: requests)
        #expect(library.missing.isEmpty, "missing: \(library.missing)")
        #expect(library.lookup("digits/7", language: "en")?.path.contains("/en_US_f_Allison/digits/7.wav") == true)
        #expect(library.lookup("digits/7", language: "ru")?.path.contains("/ru_RU_f_IvrvoiceRU/") == true)
        #expect(library.lookup("digits/star", language: "en-US")?.resolution == .requestedLanguage)
        let seven = try #require(library.lookup("digits/7", language: "en"))
        #expect(seven.durationMilliseconds > 200 && seven.durationMilliseconds < 2000)
    }
}
