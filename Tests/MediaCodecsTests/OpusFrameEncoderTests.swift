import COpus
import MediaCodecs
import Testing

@Suite("OpusFrameEncoder")
struct OpusFrameEncoderTests {
    static let speech = TestSignals.int16(TestSignals.speechLike(sampleRate: 8000, frameCount: 16000, amplitude: 24000))

    /// The frame durations Opus accepts at 8 kHz: 2.5, 5, 10, 20, 40, 60, 80, 100 and 120 ms.
    @Test(
        "Every Opus frame duration encodes and decodes to its length",
        arguments: [20, 40, 80, 160, 320, 480, 640, 800, 960])
    func frameDurations(frameCount: Int) throws {
        let encoder = try OpusFrameEncoder(sampleRate: 8000, channelCount: 1)
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        let packet = try encoder.encode(Array(Self.speech[0..<frameCount]))
        #expect(packet.count > 0)
        #expect(
            try packet.withUnsafeBytes { try OpusFrameDecoder.frameCount(ofPacket: $0, sampleRate: 8000) } == frameCount
        )
        #expect(try decoder.decode(packet) == frameCount)
    }

    @Test("Durations Opus does not accept throw badArgument", arguments: [100, 161, 240])
    func badDuration(frameCount: Int) throws {
        let encoder = try OpusFrameEncoder(sampleRate: 8000, channelCount: 1)
        let error = #expect(throws: OpusError.self) { try encoder.encode(Array(Self.speech[0..<frameCount])) }
        #expect(error?.code == .badArgument)
        #expect(error?.function == "opus_encode")
    }

    /// The average rate follows the target: never above it by more than 10 %, and higher targets give
    /// bigger packets. (VBR spends little on the pauses of the speech-like signal: measured 9.7, 16.3
    /// and 26.5 kb/s for targets of 12, 24 and 40 kb/s.)
    @Test("The bitrate setting sets the packet size")
    func bitrate() throws {
        var previous = 0.0
        for target in [12000, 24000, 40000] {
            let encoder = try OpusFrameEncoder(sampleRate: 8000, channelCount: 1, configuration: .init(bitrate: target))
            let packets = try encoder.encode(signal: Self.speech, packetFrameCount: 160)
            let bitsPerSecond = Double(packets.map(\.count).reduce(0, +)) * 8 / 2
            print("opus bitrate \(target): \(bitsPerSecond) b/s")
            #expect(bitsPerSecond < Double(target) * 1.1)
            #expect(bitsPerSecond > Double(target) * 0.5)
            #expect(bitsPerSecond > previous * 1.3)
            previous = bitsPerSecond
        }
    }

    /// With FEC on and an expected loss, packets carry LBRR data: recovering a lost frame from the next
    /// packet gives something else than concealing it. With FEC off, the two are the same.
    @Test("FEC settings put recovery data in the packets", arguments: [true, false])
    func fecData(inbandFEC: Bool) throws {
        let encoder = try OpusFrameEncoder(
            sampleRate: 8000, channelCount: 1,
            configuration: .init(bitrate: 32000, inbandFEC: inbandFEC, packetLossPercent: 15))
        let packets = try encoder.encode(signal: Self.speech, packetFrameCount: 160)
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        for packet in packets[0..<20] { _ = try decoder.decode(packet) }
        _ = try decoder.recover(fromNext: packets[21], frameCount: 160)
        let recovered = Array(decoder.decodedSamples)
        decoder.reset()
        for packet in packets[0..<20] { _ = try decoder.decode(packet) }
        _ = try decoder.conceal(frameCount: 160)
        #expect((Array(decoder.decodedSamples) != recovered) == inbandFEC)
    }

    @Test(
        "Invalid settings throw badArgument from the control that refused them",
        arguments: [
            (OpusFrameEncoder.Configuration(bitrate: 0), "opus_encoder_ctl(OPUS_SET_BITRATE)"),
            (OpusFrameEncoder.Configuration(complexity: 11), "opus_encoder_ctl(OPUS_SET_COMPLEXITY)"),
            (OpusFrameEncoder.Configuration(packetLossPercent: 101), "opus_encoder_ctl(OPUS_SET_PACKET_LOSS_PERC)"),
        ]
    )
    func badSettings(configuration: OpusFrameEncoder.Configuration, function: String) {
        let error = #expect(throws: OpusError.self) {
            try OpusFrameEncoder(sampleRate: 8000, channelCount: 1, configuration: configuration)
        }
        #expect(error?.code == .badArgument)
        #expect(error?.function == function)
    }

    @Test("Unsupported rates and channel counts throw badArgument", arguments: [(44100, 1), (8000, 3)])
    func badArguments(sampleRate: Int, channelCount: Int) {
        let error = #expect(throws: OpusError.self) {
            try OpusFrameEncoder(sampleRate: sampleRate, channelCount: channelCount)
        }
        #expect(error?.code == .badArgument)
    }

    @Test("A stereo 48 kHz encoder round-trips both channels")
    func stereo() throws {
        let left = TestSignals.sine(440, sampleRate: 48000, frameCount: 48000, amplitude: 10000)
        let right = TestSignals.sine(1000, sampleRate: 48000, frameCount: 48000, amplitude: 10000)
        var interleaved: [Int16] = []
        for index in 0..<48000 { interleaved += [Int16(left[index]), Int16(right[index])] }
        let encoder = try OpusFrameEncoder(
            sampleRate: 48000, channelCount: 2, configuration: .init(application: .audio, bitrate: 96000))
        let decoder = try OpusFrameDecoder(sampleRate: 48000, channelCount: 2)
        var decoded: [Int16] = []
        for packet in try encoder.encode(signal: interleaved, packetFrameCount: 960) {
            _ = try decoder.decode(packet)
            decoded += decoder.decodedSamples
        }
        let tail = decoded.count / 2 - 24000..<decoded.count / 2
        let decodedLeft = tail.map { decoded[2 * $0] }
        let decodedRight = tail.map { decoded[2 * $0 + 1] }
        #expect(TestSignals.dominantFrequency(decodedLeft, candidates: [440, 1000], sampleRate: 48000) == 440)
        #expect(TestSignals.dominantFrequency(decodedRight, candidates: [440, 1000], sampleRate: 48000) == 1000)
    }
}
