import Foundation
import MediaCodecs
import PromptMixer
import Testing

struct PromptLibraryTests {
    static let tone = Signal.sine(frequency: 1000, amplitude: 8000, count: 800)

    @Test("lookup order: language, base language, each fallback, language-neutral, then missing")
    func lookupChain() throws {
        let root = try PromptRoot()
        let exact = try root.write("ru-RU/hello.wav", samples: Self.tone)
        try root.write("ru/hello.wav", samples: Self.tone)
        let base = try root.write("ru/base_only.wav", samples: Self.tone)
        try root.write("de/fallback_only.wav", samples: Self.tone)
        let secondFallback = try root.write("ru/second_fallback.wav", samples: Self.tone)
        let firstFallback = try root.write("de/both_fallbacks.wav", samples: Self.tone)
        try root.write("ru/both_fallbacks.wav", samples: Self.tone)
        let neutral = try root.write("neutral.wav", samples: Self.tone)
        try root.write("neutral_and_tt.wav", samples: Self.tone)
        let ttFile = try root.write("tt/neutral_and_tt.wav", samples: Self.tone)

        let requests = [
            PromptRequest(id: "hello", language: "ru-RU"),
            PromptRequest(id: "base_only", language: "ru-RU"),
            PromptRequest(id: "second_fallback", language: "tt"),
            PromptRequest(id: "both_fallbacks", language: "tt"),
            PromptRequest(id: "neutral", language: "tt"),
            PromptRequest(id: "neutral", language: nil),
            PromptRequest(id: "neutral_and_tt", language: "tt"),
            PromptRequest(id: "nowhere", language: "tt"),
            PromptRequest(id: "base_only", language: nil),
        ]
        let library = try PromptLibrary.load(root: root.path, fallbackLanguages: ["de", "ru"], requests: requests)

        let hello = try #require(library.lookup("hello", language: "ru-RU"))
        #expect(hello.path == exact && hello.resolution == .requestedLanguage && hello.language == "ru-RU")
        let baseOnly = try #require(library.lookup("base_only", language: "ru-RU"))
        #expect(baseOnly.path == base && baseOnly.resolution == .baseLanguage && baseOnly.language == "ru")
        let second = try #require(library.lookup("second_fallback", language: "tt"))
        #expect(second.path == secondFallback && second.resolution == .fallbackLanguage && second.language == "ru")
        #expect(library.lookup("both_fallbacks", language: "tt")?.path == firstFallback)
        let neutralHandle = try #require(library.lookup("neutral", language: "tt"))
        #expect(neutralHandle.path == neutral && neutralHandle.resolution == .languageNeutral)
        #expect(neutralHandle.language == nil)
        #expect(library.lookup("neutral", language: nil)?.path == neutral)
        #expect(library.lookup("neutral_and_tt", language: "tt")?.path == ttFile)
        #expect(library.lookup("nowhere", language: "tt") == nil)
        // A language-neutral request looks only in the root.
        #expect(library.lookup("base_only", language: nil) == nil)
        // A pair that was never requested is not looked up on the audio path.
        #expect(library.lookup("hello", language: "ru") == nil)
        #expect(
            library.missing == [
                PromptRequest(id: "nowhere", language: "tt"), PromptRequest(id: "base_only", language: nil),
            ])
        #expect(library.handles.count == 7)
    }

    @Test("the extensions are tried in the order of prompts.formats")
    func formatOrder() throws {
        let root = try PromptRoot()
        let opus = try root.write("en/greet.opus", samples: Self.tone)
        let alaw = try root.write("en/greet.alaw", samples: Self.tone)
        let al = try root.write("en/greet.al", samples: Self.tone)
        let ul = try root.write("en/greet.ul", samples: Self.tone)
        let wav = try root.write("en/greet.wav", samples: Self.tone)
        let sln = try root.write("en/greet.sln", samples: Self.tone)
        let neutralUlaw = try root.write("greet.ulaw", samples: Self.tone)
        let request = [PromptRequest(id: "greet", language: "en")]
        func chosen(_ formats: [PromptFormat]) throws -> String? {
            try PromptLibrary.load(root: root.path, formats: formats, requests: request)
                .lookup("greet", language: "en")?.path
        }
        #expect(try chosen(PromptFormat.defaultOrder) == opus)
        #expect(try chosen([.alaw, .wav]) == alaw)
        #expect(try chosen([.ulaw, .opus]) == ul)
        #expect(try chosen([.wav, .opus]) == wav)
        #expect(try chosen([.sln]) == sln)
        try FileManager.default.removeItem(atPath: alaw)
        #expect(try chosen([.alaw, .wav]) == al)
        // Every format is tried in the language's directory before the next directory is.
        try FileManager.default.removeItem(atPath: ul)
        #expect(try chosen([.ulaw, .wav]) == wav)
        #expect(try chosen([.ulaw]) == neutralUlaw)
    }

    @Test(
        "every format decodes to the same 8 kHz tone",
        arguments: ["wav", "al", "ul", "sln", "raw", "opus", "alaw", "ulaw"])
    func formatsDecode(fileExtension: String) throws {
        let root = try PromptRoot()
        // 1020 Hz, not 1000 Hz: a tone at 1/8 of the sample rate has only 8 sample values, and G.711 would
        // quantize them all the same way (the reason telephone test tones are 1004 or 1020 Hz).
        let tone = Signal.sine(frequency: 1020, amplitude: 8000, count: 8000)
        try root.write("en/tone.\(fileExtension)", samples: tone)
        let library = try PromptLibrary.load(
            root: root.path, formats: PromptFormat.allCases, requests: [PromptRequest(id: "tone", language: "en")])
        let handle = try #require(library.lookup("tone", language: "en"))
        let samples = try #require(library.samples(of: handle))
        #expect(abs(samples.count - 8000) <= 400)  // Opus may add or trim a few ms at the edges
        let middle = samples[2000..<6000]
        let level = Signal.decibels(Signal.amplitude(of: middle, frequency: 1020), over: 8000)
        // G.711 keeps a tone within 0.1 dB; Opus, a perceptual codec, within 1 dB.
        #expect(abs(level) < (fileExtension == "opus" ? 1 : 0.1), "level \(level) dB")
    }

    @Test("a language directory that does not exist matches one whose name starts with L_")
    func languagePrefixDirectory() throws {
        let root = try PromptRoot()
        let allison = try root.write("en_US_f_Allison/digits/7.wav", samples: Self.tone)
        try root.write("en_GB_x_Other/digits/7.wav", samples: Self.tone)
        let ivrvoice = try root.write("ru_RU_f_IvrvoiceRU/digits/7.wav", samples: Self.tone)
        try root.write("rus/digits/8.wav", samples: Self.tone)
        let exactRu = try root.write("ru/digits/9.wav", samples: Self.tone)
        try root.write("ru_RU_f_IvrvoiceRU/digits/9.wav", samples: Self.tone)
        let requests = [
            PromptRequest(id: "digits/7", language: "en"), PromptRequest(id: "digits/7", language: "en-US"),
            PromptRequest(id: "digits/7", language: "ru_RU"), PromptRequest(id: "digits/8", language: "ru"),
            PromptRequest(id: "digits/9", language: "ru"), PromptRequest(id: "digits/7", language: "ru"),
        ]
        let library = try PromptLibrary.load(root: root.path, requests: requests)
        // Several directories start with "en_": the first by name (en_GB_...) wins for "en".
        #expect(library.lookup("digits/7", language: "en")?.path.contains("/en_GB_x_Other/") == true)
        #expect(library.lookup("digits/7", language: "en-US")?.path == allison)
        #expect(library.lookup("digits/7", language: "en-US")?.language == "en-US")
        #expect(library.lookup("digits/7", language: "ru_RU")?.path == ivrvoice)
        // "rus" does not start with "ru_"; an existing "ru" directory wins over the prefix match, and when
        // it lacks the prompt the prefix directory is not consulted.
        #expect(library.lookup("digits/8", language: "ru") == nil)
        #expect(library.lookup("digits/9", language: "ru")?.path == exactRu)
        #expect(library.lookup("digits/7", language: "ru") == nil)
    }

    @Test("a 16 kHz stereo file is resampled to 8 kHz and downmixed: level and frequency, not bytes")
    func resampleAndDownmix() throws {
        let root = try PromptRoot()
        let count = 16000
        // Left: 1 kHz at 8000 plus 6 kHz at 8000 (above the 4 kHz Nyquist of the result); right: 1 kHz at 4000.
        let left = zip(
            Signal.sine(frequency: 1000, amplitude: 8000, count: count, sampleRate: 16000),
            Signal.sine(frequency: 6000, amplitude: 8000, count: count, sampleRate: 16000)
        ).map { $0 &+ $1 }
        let right = Signal.sine(frequency: 1000, amplitude: 4000, count: count, sampleRate: 16000)
        try root.write("en/wide.wav", channels: [left, right], sampleRate: 16000)
        let library = try PromptLibrary.load(root: root.path, requests: [PromptRequest(id: "wide", language: "en")])
        let handle = try #require(library.lookup("wide", language: "en"))
        let samples = try #require(library.samples(of: handle))
        #expect(abs(samples.count - 8000) <= 1)
        #expect(handle.durationMilliseconds == samples.count / 8)
        let middle = Array(samples[1000..<7000])
        // The mean of the channels: 1 kHz at (8000 + 4000) / 2.
        let level = Signal.decibels(Signal.amplitude(of: middle, frequency: 1000), over: 6000)
        #expect(abs(level) < 0.1, "1 kHz level \(level) dB")
        // The 6 kHz tone is gone, and did not alias to 2 kHz.
        let residual = middle.enumerated().map { index, sample in
            Double(sample) - 6000 * sin(2 * Double.pi * 1000 * Double(index + 1000) / 8000)
        }
        let residualRMS = (residual.map { $0 * $0 }.reduce(0, +) / Double(residual.count)).squareRoot()
        #expect(Signal.decibels(residualRMS, over: 6000 / 2.0.squareRoot()) < -40)
        #expect(Signal.decibels(Signal.amplitude(of: middle, frequency: 2000), over: 6000) < -50)
    }

    @Test("a corrupt file is a load error that names it; exit status 65", arguments: ["wav", "opus"])
    func corruptFile(fileExtension: String) throws {
        let root = try PromptRoot()
        try root.write("ru/fine.wav", samples: Self.tone)
        let bad = try root.writeBytes("ru/bad.\(fileExtension)", Array(repeating: 0x5A, count: 4000))
        let requests = [PromptRequest(id: "fine", language: "ru"), PromptRequest(id: "bad", language: "ru")]
        let error = #expect(throws: PromptLibraryError.self) {
            try PromptLibrary.load(root: root.path, requests: requests)
        }
        #expect(error?.code == .corruptFile)
        #expect(error?.path == bad)
        #expect(error?.exitStatus == 65)
        #expect(error?.description.contains(bad) == true)
        #expect(error?.audioFileError != nil)
    }

    @Test("a missing root, an unsafe id or language are errors with their own codes")
    func otherErrors() throws {
        let missingRoot = #expect(throws: PromptLibraryError.self) {
            try PromptLibrary.load(root: "/nonexistent/prompts", requests: [])
        }
        #expect(missingRoot?.code == .rootNotFound)
        #expect(missingRoot?.exitStatus == 66)
        let root = try PromptRoot()
        for request in [
            PromptRequest(id: "../secret", language: "ru"), PromptRequest(id: "/etc/passwd", language: nil),
            PromptRequest(id: "digits//7", language: "ru"), PromptRequest(id: "", language: "ru"),
            PromptRequest(id: "ok", language: "../ru"),
        ] {
            let error = #expect(throws: PromptLibraryError.self) {
                try PromptLibrary.load(root: root.path, requests: [request])
            }
            #expect(error?.code == .invalidRequest, "\(request)")
        }
    }

    @Test("requests that resolve to one file share its samples; every library has its own identifier")
    func sharedFiles() throws {
        let root = try PromptRoot()
        try root.write("ru/goodbye.wav", samples: Self.tone)
        try root.write("ru/other.wav", samples: Array(Self.tone.prefix(100)))
        let requests = [
            PromptRequest(id: "goodbye", language: "ru"), PromptRequest(id: "goodbye", language: "tt"),
            PromptRequest(id: "goodbye", language: "ru-RU"), PromptRequest(id: "other", language: "ru"),
            PromptRequest(id: "goodbye", language: "ru"),
        ]
        let library = try PromptLibrary.load(root: root.path, fallbackLanguages: ["ru"], requests: requests)
        let ru = try #require(library.lookup("goodbye", language: "ru"))
        let tt = try #require(library.lookup("goodbye", language: "tt"))
        #expect(ru.sampleOffset == tt.sampleOffset && ru.sampleCount == tt.sampleCount)
        #expect(tt.resolution == .fallbackLanguage)
        #expect(library.lookup("goodbye", language: "ru-RU")?.resolution == .baseLanguage)
        #expect(library.totalSampleCount == Self.tone.count + 100)
        #expect(library.handles.count == 4)
        let again = try PromptLibrary.load(root: root.path, requests: requests)
        #expect(again.identifier != library.identifier)
        #expect(library.samples(of: try #require(again.lookup("other", language: "ru"))) == nil)
    }

    @Test("an empty root: every request is missing, nothing throws")
    func emptyRoot() throws {
        let root = try PromptRoot()
        let library = try PromptLibrary.load(root: root.path, requests: [PromptRequest(id: "goodbye", language: "ru")])
        #expect(library.handles.isEmpty)
        #expect(library.missing == [PromptRequest(id: "goodbye", language: "ru")])
        #expect(library.totalSampleCount == 0)
    }
}
