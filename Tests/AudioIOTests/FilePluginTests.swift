import AudioIO
import DSPCore
import Foundation
import Testing

/// Real alsa-lib through the file plugin over null slaves, opened with `snd_pcm_open_lconf` from a
/// private configuration: instant and exact, any channel count.
@Suite("PCMStream and DuplexDevice through the file plugin")
struct FilePluginTests {
    /// 5 periods and a part of one.
    static let frameCount = 5 * 160 + 37

    /// A private configuration with an asym file device `ivrtest` over `captureFile` and `playbackFile`.
    func configuration(
        _ directory: TemporaryDirectory, channels: Int, format: SampleFormat, captureFile: String
    ) throws -> DeviceConfiguration {
        let text = ALSAConfigFile.fileDevice(
            name: "ivrtest", captureFile: captureFile, playbackFile: directory.file("play.raw"))
        let path = try directory.write(text, to: "asound.conf")
        return DeviceConfiguration(name: "ivrtest", configFile: path, channels: channels, format: format)
    }

    @Test(
        "capture reads the infile exactly, decoding G.711 with DSPCore", arguments: [1, 2, 8, 30], SampleFormat.allCases
    )
    func captureIsExact(channels: Int, format: SampleFormat) throws {
        let directory = try TemporaryDirectory()
        let bytes = captureBytes(channels: channels, frames: Self.frameCount, format: format)
        let input = try directory.write(bytes: bytes, to: "cap.raw")
        let stream = try PCMStream(
            .capture, configuration(directory, channels: channels, format: format, captureFile: input))
        #expect(stream.periodFrames == 160)
        #expect(stream.bufferFrames == 640)

        var got: [Int16] = []
        var buffer = [Int16](repeating: 0x5A5A, count: 160 * channels)
        var left = Self.frameCount
        while left > 0 {
            let frames = min(160, left)
            let result = try buffer.withUnsafeMutableBufferPointer { try stream.read(into: $0, frames: frames) }
            #expect(result == IOResult(frames: frames, recoveredXrun: false))
            got += buffer[0..<(frames * channels)]
            left -= frames
        }
        #expect(got == expectedSamples(bytes, format: format))
        #expect(stream.xrunCount == 0)
    }

    @Test("reading past the infile's end gives silence, not the previous data", arguments: SampleFormat.allCases)
    func pastTheEndIsSilence(format: SampleFormat) throws {
        let directory = try TemporaryDirectory()
        let channels = 2
        let bytes = captureBytes(channels: channels, frames: 100, format: format)
        let input = try directory.write(bytes: bytes, to: "cap.raw")
        let stream = try PCMStream(
            .capture, configuration(directory, channels: channels, format: format, captureFile: input))

        var buffer = [Int16](repeating: 0x5A5A, count: 160 * channels)
        _ = try buffer.withUnsafeMutableBufferPointer { try stream.read(into: $0, frames: 160) }
        let silence = [Int16](repeating: silenceSample(format), count: 60 * channels)
        #expect(Array(buffer[0..<(100 * channels)]) == expectedSamples(bytes, format: format))
        #expect(Array(buffer[(100 * channels)...]) == silence)

        // The whole next read is past the end: the buffer still holds the data above, which must not come back.
        _ = try buffer.withUnsafeMutableBufferPointer { try stream.read(into: $0, frames: 160) }
        #expect(buffer == [Int16](repeating: silenceSample(format), count: 160 * channels))
    }

    @Test("playback writes exactly what was written, once closed", arguments: [1, 2, 8, 30], SampleFormat.allCases)
    func playbackIsExact(channels: Int, format: SampleFormat) throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(directory, channels: channels, format: format, captureFile: "/dev/zero")
        let stream = try PCMStream(.playback, configuration)
        let signal = testSignal(channels: channels, frames: Self.frameCount)
        var offset = 0
        while offset < Self.frameCount {
            let frames = min(160, Self.frameCount - offset)
            let result = try signal.withUnsafeBufferPointer {
                try stream.write(UnsafeBufferPointer(rebasing: $0[(offset * channels)...]), frames: frames)
            }
            #expect(result == IOResult(frames: frames, recoveredXrun: false))
            offset += frames
        }
        stream.drain()
        stream.close()
        stream.close()  // idempotent
        #expect(try readBytes(directory.file("play.raw")) == deviceBytes(signal, format: format))
    }

    @Test("a period and buffer the device accepts are read back as asked")
    func periodReadBack() throws {
        let directory = try TemporaryDirectory()
        var configuration = try configuration(directory, channels: 1, format: .s16le, captureFile: "/dev/zero")
        configuration.periodFrames = 150
        configuration.bufferPeriods = 3
        let stream = try PCMStream(.capture, configuration)
        #expect(stream.periodFrames == 150)
        #expect(stream.bufferFrames == 450)
    }

    @Test("a duplex loop echoes capture to playback, two periods of silence later", arguments: SampleFormat.allCases)
    func duplexEcho(format: SampleFormat) throws {
        let directory = try TemporaryDirectory()
        let channels = 8
        let periods = 10
        let bytes = captureBytes(channels: channels, frames: periods * 160, format: format)
        let input = try directory.write(bytes: bytes, to: "cap.raw")
        let configuration = try configuration(directory, channels: channels, format: format, captureFile: input)
        let device = try DuplexDevice(capture: configuration, playback: configuration)
        #expect(!device.isLinked)
        #expect(device.linkResult == -ENOSYS)
        #expect(device.periodFrames == 160)
        #expect(device.channels == channels)

        try device.start()
        try device.start()  // once only: no second priming
        #expect(device.isStarted)
        var buffer = [Int16](repeating: 0, count: 160 * channels)
        for _ in 0..<periods {
            _ = try buffer.withUnsafeMutableBufferPointer { try device.read(into: $0, frames: 160) }
            _ = try buffer.withUnsafeBufferPointer { try device.write($0, frames: 160) }
        }
        device.stop()
        device.stop()  // idempotent
        #expect(device.xrunCount == 0)

        let silence = [Int16](repeating: 0, count: 2 * 160 * channels)
        let expected = deviceBytes(silence + expectedSamples(bytes, format: format), format: format)
        #expect(try readBytes(directory.file("play.raw")) == expected)
    }

    @Test("calls on a closed stream throw badState naming the function")
    func closedStream() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(directory, channels: 1, format: .s16le, captureFile: "/dev/zero")
        let stream = try PCMStream(.capture, configuration)
        stream.close()
        #expect(!stream.isOpen)
        var buffer = [Int16](repeating: 0, count: 160)
        let error = #expect(throws: ALSAError.self) {
            try buffer.withUnsafeMutableBufferPointer { try stream.read(into: $0, frames: 160) }
        }
        #expect(error?.code == .badState)
        #expect(error?.function == "snd_pcm_readi")
        #expect(error?.alsaCode == -EBADFD)
    }
}
