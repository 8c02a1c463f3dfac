import MediaCodecs
import Testing

@Suite("AudioFileFormat")
struct AudioFileFormatTests {
    @Test(
        "Extensions name formats, case-insensitively",
        arguments: [
            ("wav", AudioFileFormat.wav), ("WAV", .wav), ("sln", .pcm16Raw), ("raw", .pcm16Raw), ("sln16", .pcm16Raw),
            ("ul", .muLawRaw), ("ulaw", .muLawRaw), ("al", .aLawRaw), ("alaw", .aLawRaw), ("opus", .opus),
            ("ogg", .opus),
        ]
    )
    func extensions(fileExtension: String, format: AudioFileFormat) {
        #expect(AudioFileFormat(fileExtension: fileExtension) == format)
        #expect(AudioFileFormat(path: "/prompts/en/welcome.\(fileExtension)") == format)
    }

    @Test(
        "Unknown or missing extensions name nothing",
        arguments: ["/a/b.mp3", "/a/b.gsm", "/a/b", "/a.dir/b", "/a/.hidden", "b."])
    func unknown(path: String) {
        #expect(AudioFileFormat(path: path) == nil)
    }

    @Test("Every case has a CLI name that maps back to it")
    func names() {
        for format in AudioFileFormat.allCases {
            #expect(AudioFileFormat(name: format.rawValue) == format)
        }
        #expect(AudioFileFormat(name: "sln") == .pcm16Raw)
        #expect(AudioFileFormat(name: "ULAW") == .muLawRaw)
        #expect(AudioFileFormat(name: "wav-ulaw") == .wavMuLaw)
        #expect(AudioFileFormat(name: "mp3") == nil)
    }

    @Test("Raw formats and G.711 laws")
    func properties() {
        #expect(AudioFileFormat.allCases.filter(\.isRaw) == [.pcm16Raw, .muLawRaw, .aLawRaw])
        #expect(AudioFileFormat.wavMuLaw.law == .muLaw)
        #expect(AudioFileFormat.aLawRaw.law == .aLaw)
        #expect(AudioFileFormat.opus.law == nil)
    }

    @Test(
        "Asterisk signed-linear extensions carry their rate",
        arguments: [("sln", 8000), ("sln12", 12000), ("sln16", 16000), ("sln44", 44100), ("sln192", 192000)]
    )
    func slinearRates(fileExtension: String, sampleRate: Int) {
        #expect(AudioFileFormat.slinearSampleRate(fileExtension: fileExtension) == sampleRate)
    }
}
