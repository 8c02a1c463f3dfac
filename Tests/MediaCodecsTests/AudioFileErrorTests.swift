import MediaCodecs
import Testing

@Suite("AudioFileError")
struct AudioFileErrorTests {
    @Test("The description names the path, the kind of failure and the diagnosis")
    func description() {
        let error = AudioFileError(
            code: .corrupt, path: "/p/a.wav", message: "Format not recognised.", sndfileCode: 1)
        #expect(error.description == "/p/a.wav: corrupt or unrecognised audio: Format not recognised.")
    }

    @Test("Every code reads differently")
    func distinctCodes() {
        let descriptions = AudioFileError.Code.allCases.map {
            AudioFileError(code: $0, path: "p", message: "m").description
        }
        #expect(Set(descriptions).count == AudioFileError.Code.allCases.count)
    }
}
