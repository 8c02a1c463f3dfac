import DSPCore
import Foundation
import MediaCodecs
import MediaTestSupport
import Testing

@Suite("AudioFileReader")
struct AudioFileReaderTests {
    // MARK: - Channels and rates

    /// A hand-built 3-channel WAV (not written by libsndfile) comes back one array per channel.
    @Test("A 3-channel WAV deinterleaves")
    func threeChannels() throws {
        let directory = try TestDirectory()
        let channels: [[Int16]] = [
            (0..<500).map { Int16($0) },
            (0..<500).map { Int16(-$0 * 60) },
            (0..<500).map { Int16(truncatingIfNeeded: $0 &* 7919) },
        ]
        let interleaved = (0..<500).flatMap { frame in channels.map { $0[frame] } }
        let path = try directory.write(
            TestFiles.wav(samples: interleaved, sampleRate: 8000, channelCount: 3), to: "three.wav")
        let reader = try AudioFileReader(path: path)
        #expect(reader.channelCount == 3)
        #expect(reader.sampleRate == 8000)
        #expect(reader.fileFrameCount == 500)
        #expect(try reader.readAllChannels() == channels)
    }

    /// A 1 kHz tone at 0.3 of full scale, stored at another rate, read at 8 kHz: the length is the
    /// duration at 8 kHz, the tone is still at 1 kHz, and its level is within 0.02 dB.
    @Test("Files at other rates are resampled to 8 kHz", arguments: [11025, 16000, 22050, 44100, 48000, 96000])
    func resampledTo8k(fileSampleRate: Int) throws {
        let directory = try TestDirectory()
        let amplitude = 10000.0
        let tone = TestSignals.int16(
            TestSignals.sine(1000, sampleRate: fileSampleRate, frameCount: fileSampleRate, amplitude: amplitude))
        let path = try directory.write(
            TestFiles.wav(samples: tone, sampleRate: fileSampleRate, channelCount: 1), to: "tone.wav")
        let audio = try AudioFile.read(path: path)
        #expect(audio.sampleRate == 8000)
        #expect(audio.fileSampleRate == fileSampleRate)
        #expect(audio.frameCount == 8000)
        let middle = audio.channels[0][400..<7600]
        let frequency = TestSignals.dominantFrequency(
            middle, candidates: [500, 900, 990, 1000, 1010, 1100, 2000], sampleRate: 8000)
        #expect(frequency == 1000)
        let levelDB = 20 * log10(TestSignals.toneAmplitude(middle, frequency: 1000, sampleRate: 8000) / amplitude)
        print("file \(fileSampleRate) -> 8000: 1 kHz level \(levelDB) dB")
        #expect(abs(levelDB) < 0.02)
    }

    /// A header's rate is a claim: one that no telephone audio has is a corrupt file (named in the
    /// error), never a filter sized by it; the edges of the range are read.
    @Test(
        "A header rate outside 4,000-384,000 Hz is corrupt",
        arguments: [1, 3999, 384_001, 1_000_001, 4_202_304, 2_143_817_176])
    func headerRateOutOfRange(rate: Int) throws {
        let directory = try TestDirectory()
        let path = try directory.write(
            TestFiles.wav(samples: [Int16](repeating: 100, count: 800), sampleRate: rate, channelCount: 1),
            to: "rate-\(rate).wav")
        let error = try #require(throws: AudioFileError.self) { _ = try AudioFile.read(path: path) }
        #expect(error.code == .corrupt)
        #expect(error.path == path)
        #expect(error.message.contains("\(rate) Hz"), "\(error.message)")
    }

    @Test("Header rates at the edges of the range are read", arguments: [4000, 384_000])
    func headerRateAtTheEdges(rate: Int) throws {
        let directory = try TestDirectory()
        let path = try directory.write(
            TestFiles.wav(samples: [Int16](repeating: 100, count: rate / 10), sampleRate: rate, channelCount: 1),
            to: "rate-\(rate).wav")
        let audio = try AudioFile.read(path: path)
        #expect(audio.sampleRate == 8000)
        #expect(abs(audio.frameCount - 800) <= 1)
    }

    /// Reading in blocks of odd sizes gives the same samples as reading everything, and progress
    /// climbs to 1.
    @Test("Block reads equal a whole read, with progress", arguments: [8000, 44100])
    func blockReads(fileSampleRate: Int) throws {
        let directory = try TestDirectory()
        let samples = TestSignals.int16(
            TestSignals.chirp(
                from: 100, to: 3900, sampleRate: fileSampleRate, frameCount: fileSampleRate, amplitude: 9000))
        let stereo = samples.flatMap { [$0, Int16(-Int($0) / 2)] }
        let path = try directory.write(
            TestFiles.wav(samples: stereo, sampleRate: fileSampleRate, channelCount: 2), to: "chirp.wav")
        let whole = try AudioFile.read(path: path)

        let reader = try AudioFileReader(path: path, outputSampleRate: 8000)
        #expect(reader.frameCount == 8000)
        #expect(reader.progress == 0)
        var channels: [[Int16]] = [[], []]
        var lastProgress = 0.0
        for blockFrameCount in [1, 7, 333, 160, 1999, 3].cycled(count: 200) {
            let block = try reader.readChannels(maximumFrameCount: blockFrameCount)
            #expect(block[0].count <= blockFrameCount)
            channels[0] += block[0]
            channels[1] += block[1]
            let progress = try #require(reader.progress)
            #expect(progress >= lastProgress)
            lastProgress = progress
            if block[0].isEmpty { break }
        }
        #expect(lastProgress == 1)
        #expect(channels == whole.channels)
        #expect(channels[0].count == 8000)
    }

    /// An Ogg Opus file stored at 48 kHz is decoded by libopus directly at 8 kHz, with no resampler.
    @Test("Ogg Opus decodes at 8 kHz directly")
    func opusAt8k() throws {
        let directory = try TestDirectory()
        let path = directory.path("tone48.opus")
        let writer = try AudioFileWriter(path: path, sampleRate: 48000)
        try writer.write(
            interleaved: TestSignals.int16(
                TestSignals.sine(1000, sampleRate: 48000, frameCount: 48000, amplitude: 10000)))
        try writer.close()

        let native = try AudioFileReader(path: path)
        #expect(native.sampleRate == 48000)
        #expect(native.fileFrameCount == 48000)

        let reader = try AudioFileReader(path: path, outputSampleRate: 8000)
        #expect(reader.fileSampleRate == 8000)  // decoded at 8 kHz by libopus
        #expect(reader.sampleRate == 8000)
        #expect(reader.fileFrameCount == 8000)
        let samples = try reader.readAllChannels()[0]
        #expect(samples.count == 8000)
        let middle = samples[800..<7200]
        #expect(TestSignals.dominantFrequency(middle, candidates: [900, 1000, 1100], sampleRate: 8000) == 1000)
        let levelDB = 20 * log10(TestSignals.toneAmplitude(middle, frequency: 1000, sampleRate: 8000) / 10000)
        print("ogg opus 48k read at 8k: 1 kHz level \(levelDB) dB")
        #expect(abs(levelDB) < 1)
    }

    /// Asterisk's `.sln16` holds 16 kHz signed linear; `.sln` 8 kHz.
    @Test(
        "Signed-linear extensions name their rate",
        arguments: [("a.sln", 8000), ("a.sln16", 16000), ("a.sln48", 48000)])
    func slinearRates(name: String, sampleRate: Int) throws {
        let directory = try TestDirectory()
        let path = try directory.write(TestFiles.slinear([Int16](repeating: 1000, count: sampleRate)), to: name)
        let native = try AudioFileReader(path: path, outputSampleRate: nil)
        #expect(native.format == .pcm16Raw)
        #expect(native.sampleRate == sampleRate)
        #expect(try AudioFile.read(path: path).frameCount == 8000)
    }

    @Test("A format override reads a file whatever its extension")
    func formatOverride() throws {
        let directory = try TestDirectory()
        let codes: [UInt8] = (0...255).map { UInt8($0) }
        let path = try directory.write(codes, to: "prompt.dat")
        let audio = try AudioFile.read(path: path, format: .muLawRaw)
        #expect(audio.channels == [codes.map(G711.muLawDecode)])
        let aLaw = try AudioFile.read(path: path, format: .aLawRaw)
        #expect(aLaw.channels == [codes.map(G711.aLawDecode)])
    }

    /// An odd byte at the end of a `.sln` file is not a sample; raw files have no structure to be corrupt.
    @Test("A raw file with a stray byte reads its whole samples")
    func rawStrayByte() throws {
        let directory = try TestDirectory()
        let path = try directory.write(TestFiles.slinear([1, -2, 3]) + [0x7F], to: "odd.sln")
        #expect(try AudioFile.read(path: path).channels == [[1, -2, 3]])
        #expect(try AudioFileReader(path: path).damage == "the raw file ends with 1 byte that makes no whole sample")
        let whole = try directory.write(TestFiles.slinear([1, -2, 3]), to: "whole.sln")
        #expect(try AudioFileReader(path: whole).damage == nil)
    }

    /// Writes speech-like audio to `full.opus` in `directory` and returns the file's bytes.
    static func speechOpus(frameCount: Int, in directory: borrowing TestDirectory) throws -> [UInt8] {
        let path = directory.path("full.opus")
        let writer = try AudioFileWriter(path: path)
        try writer.write(
            interleaved: TestSignals.int16(
                TestSignals.speechLike(sampleRate: 8000, frameCount: frameCount, amplitude: 20000)))
        try writer.close()
        return try directory.bytes(path)
    }

    /// libsndfile reads an Ogg Opus file up to its last whole page; the reader says where it was cut.
    @Test("An Ogg Opus file cut after its headers reads, with its damage named")
    func cutOpusDamage() throws {
        let directory = try TestDirectory()
        let bytes = try Self.speechOpus(frameCount: 24000, in: directory)
        #expect(try AudioFileReader(path: directory.path("full.opus")).damage == nil)
        let cutPath = try directory.write(Array(bytes.prefix(bytes.count - 10)), to: "cut.opus")
        let reader = try AudioFileReader(path: cutPath)
        let damage = try #require(reader.damage)
        #expect(damage.hasPrefix("the Ogg stream is cut short inside the page at byte "), "\(damage)")
        #expect(damage.hasSuffix(" of \(bytes.count - 10)"), "\(damage)")
    }

    // MARK: - Errors

    @Test(
        "A missing file is missingFile, whatever its name says",
        arguments: ["nothing.wav", "nothing.xyz", "nothing", "no-directory/nothing.wav"]
    )
    func missingFile(name: String) throws {
        let directory = try TestDirectory()
        let path = directory.path(name)
        let error = #expect(throws: AudioFileError.self) { try AudioFileReader(path: path) }
        #expect(error?.code == .missingFile)
        #expect(error?.path == path)
        #expect(error?.systemErrorNumber == ENOENT)
        #expect(error?.description.contains("no such file") == true)
    }

    @Test("A directory is notReadable")
    func directory() throws {
        let directory = try TestDirectory()
        let error = #expect(throws: AudioFileError.self) { try AudioFileReader(path: directory.url.path) }
        #expect(error?.code == .notReadable)
    }

    @Test("An unknown or missing extension is unsupportedFormat", arguments: ["a.mp3", "a.gsm", "prompt"])
    func unknownExtension(name: String) throws {
        let directory = try TestDirectory()
        let path = try directory.write([0, 1, 2, 3], to: name)
        let error = #expect(throws: AudioFileError.self) { try AudioFileReader(path: path) }
        #expect(error?.code == .unsupportedFormat)
    }

    /// The data chunk promises 16000 bytes, the file holds 7956: libsndfile would read the rest quietly.
    @Test("A WAV cut short is truncated")
    func truncatedWAV() throws {
        let directory = try TestDirectory()
        let full = TestFiles.wav(samples: [Int16](repeating: 500, count: 8000), sampleRate: 8000, channelCount: 1)
        let path = try directory.write(Array(full.prefix(8000)), to: "cut.wav")
        let error = #expect(throws: AudioFileError.self) { try AudioFileReader(path: path) }
        #expect(error?.code == .truncated)
        #expect(error?.message.contains("16000") == true)
    }

    /// Streaming writers leave a 0xFFFFFFFF placeholder for the data size; that is not a truncation.
    @Test("A WAV with a placeholder data size reads")
    func placeholderDataSize() throws {
        let directory = try TestDirectory()
        let bytes = TestFiles.wav(
            samples: [1, 2, 3, 4], sampleRate: 8000, channelCount: 1, declaredDataByteCount: 0xFFFF_FFFF)
        let path = try directory.write(bytes, to: "stream.wav")
        #expect(try AudioFile.read(path: path).channels == [[1, 2, 3, 4]])
    }

    @Test(
        "Garbage and broken headers are corrupt",
        arguments: [
            ("empty.wav", [UInt8]()),
            ("header.wav", Array(TestFiles.wav(samples: [1, 2], sampleRate: 8000, channelCount: 1).prefix(30))),
            ("noise.wav", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }),
            ("noise.opus", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }),
            ("text.opus", Array("OggS is not enough".utf8)),
        ]
    )
    func corrupt(name: String, bytes: [UInt8]) throws {
        let directory = try TestDirectory()
        let path = try directory.write(bytes, to: name)
        let error = #expect(throws: AudioFileError.self) { try AudioFile.read(path: path) }
        #expect(error?.code == .corrupt)
        #expect(error?.sndfileCode != nil)
        #expect(error?.message.isEmpty == false)
    }

    /// libsndfile's texts name its internals ("SF_INFO struct incomplete", "Supported file format but file
    /// is malformed"); the reader says what is wrong with the file instead.
    @Test(
        "Corrupt headers are described in terms of the file",
        arguments: [
            ("rate0.wav", TestFiles.wav(samples: [1, 2], sampleRate: 0, channelCount: 1), "sample rate or channel count of 0"),
            ("noise.wav", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }, "not WAV audio"),
            ("text.opus", Array("OggS is not enough".utf8), "Ogg"),
            ("zeros.opus", Array("OggS".utf8) + [UInt8](repeating: 0, count: 200), "Ogg stream is malformed"),
        ]
    )
    func corruptInOurWords(name: String, bytes: [UInt8], words: String) throws {
        let directory = try TestDirectory()
        let path = try directory.write(bytes, to: name)
        let error = #expect(throws: AudioFileError.self) { try AudioFile.read(path: path) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix(path + ": ") == true)
        for phrase in ["Internal error", "SF_INFO", "Supported file format", "unimplemented format"] {
            #expect(error?.message.contains(phrase) == false, "\(String(describing: error))")
        }
    }

    /// A cut Ogg Opus file is reported as a malformed Ogg Opus stream.
    @Test("A cut Ogg Opus file says its stream is broken or cut short")
    func cutOpusInOurWords() throws {
        let directory = try TestDirectory()
        let path = directory.path("full.opus")
        let writer = try AudioFileWriter(path: path)
        try writer.write(interleaved: [Int16](repeating: 1000, count: 8000))
        try writer.close()
        let cutPath = try directory.write(Array(try directory.bytes(path).prefix(60)), to: "cut.opus")
        let error = #expect(throws: AudioFileError.self) { try AudioFile.read(path: cutPath) }
        #expect(error?.message == "the Ogg Opus stream is malformed: its pages or Opus headers are broken or cut short")
    }

    /// An Ogg Opus file cut anywhere after its headers fails to open (libsndfile looks for the last page).
    @Test("A truncated Ogg Opus file is corrupt, wherever it is cut")
    func truncatedOpus() throws {
        let directory = try TestDirectory()
        let bytes = try Self.speechOpus(frameCount: 8000, in: directory)
        for cut in stride(from: 50, to: bytes.count - 1, by: bytes.count / 9) {
            let cutPath = try directory.write(Array(bytes.prefix(cut)), to: "cut\(cut).opus")
            let error = #expect(throws: AudioFileError.self, "cut at \(cut) of \(bytes.count)") {
                try AudioFile.read(path: cutPath)
            }
            #expect(error?.code == .corrupt)
        }
    }

    @Test("Raw parameters must be positive")
    func invalidRaw() throws {
        let directory = try TestDirectory()
        let path = try directory.write([0, 0], to: "a.sln")
        let error = #expect(throws: AudioFileError.self) {
            try AudioFileReader(path: path, raw: .init(sampleRate: 0, channelCount: 1))
        }
        #expect(error?.code == .invalidArgument)
    }
}

extension Array {
    /// The elements repeated in order until there are `count` of them.
    fileprivate func cycled(count: Int) -> [Element] { (0..<count).map { self[$0 % self.count] } }
}
