import DSPCore
import Foundation
import MediaCodecs
import MediaTestSupport
import Testing

/// Write, then read back with ``AudioFileReader`` (libsndfile's decoders), for every writable format.
@Suite("AudioFileWriter")
struct AudioFileWriterTests {
    /// A second of speech-like signal with a full-scale burst, so that clipping and both signs are covered.
    static let signal: [Int16] = {
        var samples = TestSignals.int16(TestSignals.speechLike(sampleRate: 8000, frameCount: 8000, amplitude: 24000))
        for index in 4000..<4100 { samples[index] = index % 2 == 0 ? .max : .min }
        return samples
    }()

    @Test("PCM16 formats round-trip bit for bit", arguments: [("a.wav", AudioFileFormat.wav), ("a.sln", .pcm16Raw)])
    func pcm16RoundTrip(name: String, format: AudioFileFormat) throws {
        let directory = try TestDirectory()
        let path = directory.path(name)
        let writer = try AudioFileWriter(path: path)
        #expect(writer.format == format)
        try writer.write(interleaved: Self.signal)
        #expect(writer.framesWritten == Self.signal.count)
        try writer.close()
        let audio = try AudioFile.read(path: path)
        #expect(audio.sampleRate == 8000)
        #expect(audio.channels == [Self.signal])
        if format == .pcm16Raw { #expect(try directory.bytes(path) == TestFiles.slinear(Self.signal)) }
    }

    /// Every one of the 65536 sample values, written as G.711 and read back: the file holds exactly
    /// DSPCore's (G.191) codes, and reading gives exactly DSPCore's decoding of them.
    @Test(
        "G.711 formats hold G.191 codes and read back as their decoding",
        arguments: [
            ("a.ul", AudioFileFormat.muLawRaw), ("a.al", .aLawRaw), ("mu.wav", .wavMuLaw), ("a.wav", .wavALaw),
        ]
    )
    func g711RoundTrip(name: String, format: AudioFileFormat) throws {
        let law = try #require(format.law)
        let directory = try TestDirectory()
        let path = directory.path(name)
        let everyValue = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
        let writer = try AudioFileWriter(path: path, format: format)
        try writer.write(interleaved: everyValue)
        try writer.close()

        let codes = everyValue.map { G711.encode($0, law: law) }
        if format.isRaw {
            #expect(try directory.bytes(path) == codes)
        } else {
            // The codes follow the WAV header.
            #expect(try Array(directory.bytes(path).suffix(codes.count)) == codes)
        }
        let audio = try AudioFile.read(path: path, format: format)
        #expect(audio.frameCount == everyValue.count)
        let expected = codes.map { G711.decode($0, law: law) }
        #expect(audio.channels[0] == expected)
        // And the level survives: the worst error of G.711 is half a step of the top segment.
        let worst = zip(audio.channels[0], everyValue).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= (law == .muLaw ? 1024 : 1024))
    }

    /// Ogg Opus written at 8 kHz by libsndfile's encoder: same length, and an SNR against the input (after
    /// libsndfile removes the pre-skip, so no delay search is needed beyond a few samples).
    /// Measured: 17.7 dB at libsndfile's default setting (about 25 kb/s).
    @Test("Ogg Opus round-trips with its length and a measured SNR")
    func opusRoundTrip() throws {
        let directory = try TestDirectory()
        let path = directory.path("a.opus")
        let input = TestSignals.speechLike(sampleRate: 8000, frameCount: 16000, amplitude: 24000)
        let writer = try AudioFileWriter(path: path)
        #expect(writer.format == .opus)
        try writer.write(interleaved: TestSignals.int16(input))
        try writer.close()
        let audio = try AudioFile.read(path: path)
        #expect(audio.sampleRate == 8000)
        #expect(audio.fileSampleRate == 8000)
        #expect(audio.frameCount == 16000)
        let best = TestSignals.bestLag(reference: input, test: audio.channels[0], lags: -8...8, range: 800..<15200)
        print("ogg opus 8k round trip: SNR \(best.snrDB) dB at lag \(best.lag)")
        #expect(best.snrDB > 14)
        #expect(best.lag.magnitude <= 2)
    }

    /// A higher compression level gives a smaller file and a lower SNR. Measured: 264 kb/s and 42.9 dB at
    /// level 0, 137 kb/s at 0.5, 10 kb/s and 7.8 dB at 1.
    @Test("The Opus compression level trades size for quality")
    func opusCompressionLevel() throws {
        let directory = try TestDirectory()
        let input = TestSignals.speechLike(sampleRate: 8000, frameCount: 16000, amplitude: 24000)
        var sizes: [Int] = []
        var snrs: [Double] = []
        for level in [0.0, 0.5, 1.0] {
            let path = directory.path("level\(level).opus")
            let writer = try AudioFileWriter(path: path, compressionLevel: level)
            try writer.write(interleaved: TestSignals.int16(input))
            try writer.close()
            sizes.append(try directory.bytes(path).count)
            let audio = try AudioFile.read(path: path)
            snrs.append(TestSignals.snrDB(reference: input, test: audio.channels[0], lag: 0, range: 800..<15200))
        }
        print("ogg opus at compression 0, 0.5, 1: \(sizes) bytes, SNR \(snrs) dB")
        #expect(sizes[0] > sizes[1] && sizes[1] > sizes[2])
        #expect(snrs[0] > 38)
        #expect(snrs[0] > snrs[2] + 20)
    }

    @Test("Channels are interleaved in the file", arguments: [AudioFileFormat.wav, .wavMuLaw, .pcm16Raw])
    func multichannel(format: AudioFileFormat) throws {
        let directory = try TestDirectory()
        let path = directory.path("multi")
        let channels: [[Int16]] = (0..<3).map { channel in (0..<800).map { Int16(channel * 10000 + $0 * 8) } }
        let writer = try AudioFileWriter(path: path, format: format, channelCount: 3)
        try writer.write(channels: channels)
        try writer.close()
        let audio = try AudioFile.read(
            path: path, format: format, raw: .init(sampleRate: 8000, channelCount: 3))
        #expect(audio.channelCount == 3)
        if let law = format.law {
            #expect(audio.channels == channels.map { $0.map { G711.decode(G711.encode($0, law: law), law: law) } })
        } else {
            #expect(audio.channels == channels)
        }
    }

    // MARK: - Failures

    @Test("A full disk is a write failure")
    func fullDisk() throws {
        // /dev/full accepts open and fails every write with ENOSPC.
        let error = #expect(throws: AudioFileError.self) {
            let writer = try AudioFileWriter(path: "/dev/full", format: .pcm16Raw)
            try writer.write(interleaved: Self.signal)
            try writer.close()
        }
        #expect(error?.code == .writeFailed)
        #expect(error?.path == "/dev/full")
    }

    @Test("A missing directory is a write failure")
    func missingDirectory() throws {
        let error = #expect(throws: AudioFileError.self) {
            try AudioFileWriter(path: "/nonexistent-ivrmedia/dir/a.wav")
        }
        #expect(error?.code == .writeFailed)
        #expect(error?.systemErrorNumber == ENOENT)
    }

    @Test("An unknown extension is an unsupported format")
    func unknownExtension() throws {
        let directory = try TestDirectory()
        let error = #expect(throws: AudioFileError.self) { try AudioFileWriter(path: directory.path("a.mp3")) }
        #expect(error?.code == .unsupportedFormat)
    }

    @Test("Settings a format cannot carry are invalid arguments", arguments: [(44100, 1), (8000, 0), (0, 1)])
    func invalidSettings(sampleRate: Int, channelCount: Int) throws {
        let directory = try TestDirectory()
        let error = #expect(throws: AudioFileError.self) {
            try AudioFileWriter(path: directory.path("a.opus"), sampleRate: sampleRate, channelCount: channelCount)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("A partial frame and a closed writer are invalid arguments")
    func misuse() throws {
        let directory = try TestDirectory()
        let writer = try AudioFileWriter(path: directory.path("a.wav"), channelCount: 2)
        let partial = #expect(throws: AudioFileError.self) { try writer.write(interleaved: [1, 2, 3]) }
        #expect(partial?.code == .invalidArgument)
        try writer.close()
        let closed = #expect(throws: AudioFileError.self) { try writer.write(interleaved: [1, 2]) }
        #expect(closed?.code == .invalidArgument)
    }

    /// Raw audio to a pipe, read back from the other end through a file descriptor.
    @Test("Raw audio streams through file descriptors")
    func pipeRoundTrip() throws {
        let pipe = Pipe()
        let samples = Array(Self.signal.prefix(4000))  // 8000 bytes: fits in the pipe buffer
        let writer = try AudioFileWriter(
            fileDescriptor: pipe.fileHandleForWriting.fileDescriptor, format: .pcm16Raw)
        try writer.write(interleaved: samples)
        try writer.close()
        try pipe.fileHandleForWriting.close()
        let reader = try AudioFileReader(fileHandle: pipe.fileHandleForReading)
        #expect(reader.fileFrameCount == nil)
        #expect(reader.progress == nil)
        #expect(try reader.readAllChannels() == [samples])
    }
}
