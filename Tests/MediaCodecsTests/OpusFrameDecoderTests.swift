import COpus
import MediaCodecs
import Testing

/// Round trips through libopus: SNR at each decoder rate, PLC versus FEC on a lossy stream, and hostile
/// packets. libopus is a float build, so packets are compared by SNR, never bit for bit.
@Suite("OpusFrameDecoder")
struct OpusFrameDecoderTests {
    /// 20 ms packets at 8 kHz.
    static let packetFrameCount = 160

    enum Signal: String, CaseIterable, CustomTestStringConvertible {
        case chirp
        case harmonic
        case speechLike
        var testDescription: String { rawValue }

        /// The signal rendered at `sampleRate` for `durationSeconds`, at about -12 dBFS.
        func render(sampleRate: Int, seconds: Double = 2) -> [Double] {
            let frameCount = Int(Double(sampleRate) * seconds)
            switch self {
            case .chirp:
                return TestSignals.chirp(
                    from: 200, to: 3400, sampleRate: sampleRate, frameCount: frameCount, amplitude: 8000)
            case .harmonic:
                return TestSignals.harmonic(sampleRate: sampleRate, frameCount: frameCount, amplitude: 12000)
            case .speechLike:
                return TestSignals.speechLike(sampleRate: sampleRate, frameCount: frameCount, amplitude: 24000)
            }
        }
    }

    /// Encodes `signal` at 8 kHz in 20 ms packets.
    static func packets(
        _ signal: Signal, configuration: OpusFrameEncoder.Configuration = .init(bitrate: 24000)
    ) throws -> [[UInt8]] {
        let encoder = try OpusFrameEncoder(sampleRate: 8000, channelCount: 1, configuration: configuration)
        return try encoder.encode(
            signal: TestSignals.int16(signal.render(sampleRate: 8000)), packetFrameCount: packetFrameCount)
    }

    // MARK: - Round trips

    /// An encoder setting and the SNR bounds measured for it (about 3 dB under the measured values).
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var configuration: OpusFrameEncoder.Configuration
        /// The lowest acceptable SNR in dB for (signal, decoder rate).
        var minimumSNRDB: @Sendable (Signal, Int) -> Double
        var testDescription: String { name }
    }

    static let cases = [
        // SILK narrowband, the telephony setting. Measured SNR (chirp, harmonic, speech-like):
        // 21.5 / 6.4 / 14.3 dB at 8 kHz, 8.9 / 6.3 / 12.0 dB at 16 kHz, 10.0 / 6.3 / 13.2 dB at 48 kHz.
        // Waveform SNR is low by design: VOIP mode high-passes below a pitch-tracking cutoff (which
        // shifts the phase of a strong 180 Hz fundamental), SILK shapes its noise, and decoding SILK at
        // 16 or 48 kHz goes through libopus's own up-sampler, whose phase is not linear.
        Case(name: "VOIP 24 kb/s (SILK)", configuration: .init(application: .voip, bitrate: 24000)) {
            signal, rate in
            switch signal {
            case .chirp: return rate == 8000 ? 18 : 6
            case .harmonic: return 3
            case .speechLike: return rate == 8000 ? 11 : 9
            }
        },
        // CELT narrowband. Measured at every decoder rate: chirp 28.1, harmonic 24.8, speech-like 20.1 dB.
        Case(name: "Audio 24 kb/s (CELT)", configuration: .init(application: .audio, bitrate: 24000)) {
            signal, rate in
            switch signal {
            case .chirp: return 25
            case .harmonic: return 21
            case .speechLike: return 17
            }
        },
    ]

    /// Encoded at 8 kHz, decoded at 8, 16 and 48 kHz: the output matches the same signal rendered at the
    /// decoder rate, after the codec delay, within the SNR bound measured for the setting.
    @Test("Decoding at 8, 16 and 48 kHz reproduces the signal", arguments: cases, [8000, 16000, 48000])
    func roundTrip(setting: Case, decoderSampleRate: Int) throws {
        for signal in Signal.allCases {
            let packets = try Self.packets(signal, configuration: setting.configuration)
            let decoder = try OpusFrameDecoder(sampleRate: decoderSampleRate, channelCount: 1)
            var decoded: [Int16] = []
            for packet in packets {
                let frameCount = try decoder.decode(packet)
                #expect(frameCount == Self.packetFrameCount * decoderSampleRate / 8000)
                #expect(decoder.lastPacketFrameCount == frameCount)
                decoded += decoder.decodedSamples
            }
            #expect(decoded.count == packets.count * Self.packetFrameCount * decoderSampleRate / 8000)
            let reference = signal.render(sampleRate: decoderSampleRate)
            let scale = decoderSampleRate / 8000
            // Skip the first 100 ms (the encoder starting up); search lags within 1 ms of the codec delay
            // (2.5 ms look-ahead + 4 ms delay compensation = 52 frames at 8 kHz).
            let range = (decoderSampleRate / 10)..<(reference.count - decoderSampleRate / 20)
            let lags = (44 * scale)...(60 * scale)
            let best = TestSignals.bestLag(reference: reference, test: decoded, lags: lags, range: range)
            print("opus \(setting.name) \(signal) 8k -> \(decoderSampleRate): SNR \(best.snrDB) dB at lag \(best.lag)")
            #expect(best.snrDB > setting.minimumSNRDB(signal, decoderSampleRate), "\(signal)")
            if signal == .chirp {
                // An aperiodic signal pins the delay down.
                #expect((best.lag - 52 * scale).magnitude <= 4 * scale, "delay \(best.lag)")
            }
        }
    }

    @Test("A stereo decoder duplicates a mono packet into both channels")
    func stereoDecoder() throws {
        let packets = try Self.packets(.chirp)
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 2)
        var output = [Int16](repeating: 0, count: decoder.maximumFrameCount * 2)
        var energy = 0.0
        for packet in packets.prefix(20) {
            let frameCount = try output.withUnsafeMutableBufferPointer { try decoder.decode(packet, into: $0) }
            #expect(frameCount == 160)
            for frame in 0..<frameCount {
                #expect(output[2 * frame] == output[2 * frame + 1])
                energy += Double(output[2 * frame]) * Double(output[2 * frame])
            }
        }
        #expect(energy > 0)
    }

    // MARK: - Losses

    /// The frames lost in the loss tests: every eighth frame from frame 5 (12.5 %, never two in a row).
    static func isLost(_ index: Int) -> Bool { index % 8 == 5 }

    /// On a stream with 12.5 % of its packets lost, rebuilding each lost packet from the FEC data of the
    /// next one scores a better SNR on the lost frames (against the loss-free decode) than concealing
    /// it. Measured at 24 kb/s, 15 % expected loss (PLC, FEC): speech-like -1.7 / 14.1 dB, harmonic
    /// 6.1 / 9.5 dB. (A steady chirp is left out: FEC does not help it, -6.6 / -4.9 dB; and at 16 kb/s
    /// libopus adds no FEC data at 15 % expected loss, so recovery equals concealment.)
    @Test("In-band FEC beats PLC on lost packets", arguments: [(Signal.speechLike, 10.0), (.harmonic, 2.0)])
    func fecBeatsConcealment(signal: Signal, minimumGainDB: Double) throws {
        let configuration = OpusFrameEncoder.Configuration(
            application: .voip, bitrate: 24000, inbandFEC: true, packetLossPercent: 15)
        let packets = try Self.packets(signal, configuration: configuration)
        let frame = Self.packetFrameCount

        func run(_ lostFrame: (OpusFrameDecoder, Int) throws -> Int) throws -> [Int16] {
            let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
            var output: [Int16] = []
            for index in packets.indices {
                let count = Self.isLost(index) ? try lostFrame(decoder, index) : try decoder.decode(packets[index])
                #expect(count == frame)
                output += decoder.decodedSamples
            }
            return output
        }
        let clean = try run { decoder, index in try decoder.decode(packets[index]) }
        let concealed = try run { decoder, _ in try decoder.conceal(frameCount: frame) }
        let recovered = try run { decoder, index in try decoder.recover(fromNext: packets[index + 1], frameCount: frame)
        }

        func lostFramesSNR(_ test: [Int16]) -> Double {
            var signal = 0.0
            var noise = 0.0
            for index in packets.indices where Self.isLost(index) {
                for sample in (index * frame)..<((index + 1) * frame) {
                    let reference = Double(clean[sample])
                    signal += reference * reference
                    noise += (Double(test[sample]) - reference) * (Double(test[sample]) - reference)
                }
            }
            return 10 * Double.log10(signal / noise)
        }
        let plcDB = lostFramesSNR(concealed)
        let fecDB = lostFramesSNR(recovered)
        let lostCount = packets.indices.filter(Self.isLost).count
        print("opus loss \(signal): \(lostCount)/\(packets.count) lost, PLC \(plcDB) dB, FEC \(fecDB) dB")
        #expect(fecDB > plcDB + minimumGainDB)
        #expect(fecDB > 8)
        // Frames that arrived are untouched by the losses once the decoder has re-converged: compare the
        // last frame before each loss.
        for index in packets.indices where Self.isLost(index + 1) && index > 0 {
            let range = (index * frame)..<((index + 1) * frame)
            #expect(TestSignals.rms(concealed[range]) > 0)
        }
    }

    /// Without FEC in the stream, recovering falls back to concealment: the same samples as PLC.
    @Test("Recovering from a packet without FEC data equals concealment")
    func recoverWithoutFECConceals() throws {
        let packets = try Self.packets(.harmonic)  // FEC off
        let concealing = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        let recovering = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        for index in 0..<10 {
            _ = try concealing.decode(packets[index])
            _ = try recovering.decode(packets[index])
        }
        _ = try concealing.conceal(frameCount: 160)
        let concealed = Array(concealing.decodedSamples)
        _ = try recovering.recover(fromNext: packets[11], frameCount: 160)
        #expect(Array(recovering.decodedSamples) == concealed)
        #expect(TestSignals.rms(concealed) > 0)
    }

    @Test("decodeFrame picks decoding, recovery or concealment")
    func streamFrames() throws {
        let configuration = OpusFrameEncoder.Configuration(bitrate: 24000, inbandFEC: true, packetLossPercent: 15)
        let packets = try Self.packets(.harmonic, configuration: configuration)
        let decoder = try OpusFrameDecoder(sampleRate: 16000, channelCount: 1)
        var output = [Int16](repeating: 0, count: decoder.maximumFrameCount)
        func frame(_ packet: [UInt8]?, _ next: [UInt8]?) throws -> (
            frameCount: Int, source: OpusFrameDecoder.FrameSource
        ) {
            try output.withUnsafeMutableBufferPointer { buffer in
                try withOptionalBytes(packet) { packet in
                    try withOptionalBytes(next) { next in
                        try decoder.decodeFrame(packet, next: next, frameCount: 320, into: buffer)
                    }
                }
            }
        }
        #expect(try frame(packets[0], packets[1]) == (320, .decoded))
        #expect(try frame(nil, packets[2]) == (320, .recovered))
        #expect(try frame(packets[2], packets[3]) == (320, .decoded))
        #expect(try frame(nil, nil) == (320, .concealed))
    }

    // MARK: - Hostile packets

    @Test("An empty packet throws invalidPacket")
    func emptyPacket() throws {
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        #expect(throws: OpusError(opusCode: OPUS_INVALID_PACKET, function: "OpusFrameDecoder.decode")) {
            try decoder.decode([])
        }
        #expect(throws: OpusError(opusCode: OPUS_INVALID_PACKET, function: "OpusFrameDecoder.recover")) {
            try decoder.recover(fromNext: [], frameCount: 160)
        }
    }

    /// Packets whose framing (RFC 6716 section 3.2) is impossible.
    @Test(
        "Corrupt packets throw invalidPacket",
        arguments: [
            [0x01, 0x00],  // code 1 (two equal frames) with an odd payload
            [0x02, 0xFB],  // code 2 whose first frame length (251) runs past the end
            [0x03, 0x00],  // code 3 with zero frames
            [0x03, 0x31] + [UInt8](repeating: 0, count: 4),  // code 3 with 49 frames (more than 120 ms)
            [0x0B, 0x83, 0xFF, 0xFF, 0xFF],  // code 3 VBR, lengths past the end
        ] as [[UInt8]]
    )
    func corruptPacket(packet: [UInt8]) throws {
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        let error = #expect(throws: OpusError.self) { try decoder.decode(packet) }
        #expect(error?.code == .invalidPacket)
        #expect(error?.function == "opus_decode")
    }

    /// A 120 ms packet holds several frames (code 1, 2 or 3); cut short anywhere, it either throws or decodes a
    /// full frame, and the cuts that break its length fields are detected.
    @Test("Truncated multi-frame packets throw, and no truncation crashes")
    func truncatedPackets() throws {
        let encoder = try OpusFrameEncoder(sampleRate: 8000, channelCount: 1, configuration: .init(bitrate: 24000))
        let signal = TestSignals.int16(Signal.harmonic.render(sampleRate: 8000, seconds: 0.12))
        let packet = try encoder.encode(signal)
        #expect(packet[0] & 0x03 != 0)  // two or more frames (2 x 60 ms SILK here)
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        #expect(try decoder.decode(packet) == 960)
        var rejected = 0
        for length in 1..<packet.count {
            do {
                let frameCount = try decoder.decode(Array(packet[..<length]))
                #expect(frameCount <= decoder.maximumFrameCount)
            } catch {
                #expect(error.code == .invalidPacket)
                rejected += 1
            }
        }
        print("opus truncation: \(rejected) of \(packet.count - 1) cuts rejected")
        #expect(rejected > (packet.count - 1) / 2)
    }

    /// 20 000 pseudo-random packets of 1 to 80 bytes: each either decodes to a valid duration or throws
    /// invalidPacket; nothing crashes.
    @Test("Random bytes never crash the decoder")
    func fuzz() throws {
        let decoder = try OpusFrameDecoder(sampleRate: 48000, channelCount: 2)
        var output = [Int16](repeating: 0, count: decoder.maximumFrameCount * 2)
        var bytes = TestSignals.Bytes(state: 42)
        var decodedCount = 0
        var rejectedCount = 0
        for _ in 0..<20_000 {
            let length = 1 + Int(bytes.next()) % 80
            let packet = (0..<length).map { _ in bytes.next() }
            do {
                let frameCount = try output.withUnsafeMutableBufferPointer { try decoder.decode(packet, into: $0) }
                #expect(frameCount > 0 && frameCount <= decoder.maximumFrameCount)
                decodedCount += 1
            } catch let error as OpusError {
                #expect(error.code == .invalidPacket)
                rejectedCount += 1
            }
        }
        print("opus fuzz: \(decodedCount) decoded, \(rejectedCount) rejected")
        #expect(decodedCount > 0 && rejectedCount > 0)
    }

    // MARK: - Arguments and errors

    @Test("A buffer shorter than the packet throws bufferTooSmall")
    func bufferTooSmall() throws {
        let packets = try Self.packets(.chirp)
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        var output = [Int16](repeating: 0, count: 80)
        let error = #expect(throws: OpusError.self) {
            try output.withUnsafeMutableBufferPointer { try decoder.decode(packets[0], into: $0) }
        }
        #expect(error?.code == .bufferTooSmall)
        #expect(error?.opusCode == OPUS_BUFFER_TOO_SMALL)
        let gap = #expect(throws: OpusError.self) {
            try output.withUnsafeMutableBufferPointer { try decoder.conceal(frameCount: 160, into: $0) }
        }
        #expect(gap?.code == .bufferTooSmall)
    }

    @Test("Gaps that are not whole 2.5 ms units throw badArgument", arguments: [0, 7, 150, 1000])
    func badGap(frameCount: Int) throws {
        let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
        let error = #expect(throws: OpusError.self) { try decoder.conceal(frameCount: frameCount) }
        #expect(error?.code == .badArgument)
    }

    @Test(
        "Unsupported rates and channel counts throw badArgument",
        arguments: [(44100, 1), (8000, 0), (8000, 3), (0, 1)]
    )
    func badDecoderArguments(sampleRate: Int, channelCount: Int) {
        let error = #expect(throws: OpusError.self) {
            try OpusFrameDecoder(sampleRate: sampleRate, channelCount: channelCount)
        }
        #expect(error?.code == .badArgument)
        #expect(error?.function == "opus_decoder_create")
    }

}

/// Calls `body` with the bytes of `array`, or with nil.
private func withOptionalBytes<Result>(
    _ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> Result
) rethrows -> Result {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBytes { try body($0) }
}
