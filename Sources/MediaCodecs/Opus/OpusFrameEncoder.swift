import COpus

/// Encodes 16-bit PCM frames to Opus packets through libopus (for tests, and for writing streams).
///
/// ```swift
/// let encoder = try OpusFrameEncoder(sampleRate: 8000, channelCount: 1,
///                                    configuration: .init(bitrate: 24000, inbandFEC: true, packetLossPercent: 15))
/// let packet = try encoder.encode(pcm)   // pcm holds 160 frames: one 20 ms packet
/// ```
///
/// Thread safety: `@unchecked Sendable` because the class owns a C `OpusEncoder*`; an instance is
/// confined to one thread at a time.
public final class OpusFrameEncoder: @unchecked Sendable {
    /// The libopus application modes (`OPUS_APPLICATION_*`).
    public enum Application: Hashable, Sendable {
        /// `OPUS_APPLICATION_VOIP`: speech; SILK at narrowband rates, and needed for in-band FEC.
        case voip
        /// `OPUS_APPLICATION_AUDIO`: music and mixed content.
        case audio
        /// `OPUS_APPLICATION_RESTRICTED_LOWDELAY`: CELT only, lowest delay, no FEC.
        case restrictedLowDelay

        var opusValue: Int32 {
            switch self {
            case .voip: return OPUS_APPLICATION_VOIP
            case .audio: return OPUS_APPLICATION_AUDIO
            case .restrictedLowDelay: return OPUS_APPLICATION_RESTRICTED_LOWDELAY
            }
        }
    }

    /// The encoder settings.
    public struct Configuration: Hashable, Sendable {
        /// The application mode.
        public var application: Application
        /// The target bitrate in bits per second (500 ... 512000).
        public var bitrate: Int
        /// Whether to add in-band FEC (LBRR) data that lets the receiver rebuild a lost packet from the next.
        public var inbandFEC: Bool
        /// The expected packet loss in percent (0 ... 100); FEC is only produced when it is above 0.
        public var packetLossPercent: Int
        /// The computational complexity, 0 ... 10.
        public var complexity: Int
        /// Whether to hint that the signal is speech (`OPUS_SIGNAL_VOICE`).
        public var voiceSignal: Bool

        /// Settings for telephony: VOIP mode, 24 kb/s, FEC off, complexity 10.
        public init(
            application: Application = .voip, bitrate: Int = 24000, inbandFEC: Bool = false,
            packetLossPercent: Int = 0, complexity: Int = 10, voiceSignal: Bool = false
        ) {
            self.application = application
            self.bitrate = bitrate
            self.inbandFEC = inbandFEC
            self.packetLossPercent = packetLossPercent
            self.complexity = complexity
            self.voiceSignal = voiceSignal
        }
    }

    /// The input rate in Hz: 8000, 12000, 16000, 24000 or 48000.
    public let sampleRate: Int
    /// 1 or 2 (interleaved).
    public let channelCount: Int
    /// The settings in force.
    public let configuration: Configuration

    /// The largest packet this encoder writes (recommended by libopus: 4000 bytes).
    public static let maximumPacketByteCount = 4000

    private let encoder: OpaquePointer
    private let packetBuffer: UnsafeMutableBufferPointer<UInt8>

    /// Creates an encoder and applies `configuration`.
    ///
    /// - Throws: `.badArgument` for an unsupported rate, channel count or setting.
    public init(sampleRate: Int, channelCount: Int, configuration: Configuration = Configuration()) throws(OpusError) {
        guard OpusFrameDecoder.supportedSampleRates.contains(sampleRate), channelCount == 1 || channelCount == 2 else {
            throw OpusError(opusCode: OPUS_BAD_ARG, function: "opus_encoder_create")
        }
        var status: Int32 = OPUS_OK
        guard
            let encoder = opus_encoder_create(
                Int32(sampleRate), Int32(channelCount), configuration.application.opusValue, &status),
            status == OPUS_OK
        else {
            throw OpusError(opusCode: status == OPUS_OK ? OPUS_ALLOC_FAIL : status, function: "opus_encoder_create")
        }
        self.encoder = encoder
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.configuration = configuration
        packetBuffer = .allocate(capacity: Self.maximumPacketByteCount)
        // Every stored property is set, so if a setting is refused the throw runs deinit, which frees both.
        try Self.check(copus_enc_set_bitrate(encoder, Int32(clamping: configuration.bitrate)), "OPUS_SET_BITRATE")
        try Self.check(copus_enc_set_inband_fec(encoder, configuration.inbandFEC ? 1 : 0), "OPUS_SET_INBAND_FEC")
        try Self.check(
            copus_enc_set_packet_loss_perc(encoder, Int32(clamping: configuration.packetLossPercent)),
            "OPUS_SET_PACKET_LOSS_PERC")
        try Self.check(
            copus_enc_set_complexity(encoder, Int32(clamping: configuration.complexity)), "OPUS_SET_COMPLEXITY")
        if configuration.voiceSignal {
            try Self.check(copus_enc_set_signal_voice(encoder), "OPUS_SET_SIGNAL")
        }
    }

    deinit {
        opus_encoder_destroy(encoder)
        packetBuffer.deallocate()
    }

    /// Encodes one frame of `pcm` (interleaved; its length sets the duration: 2.5, 5, 10, 20, 40, 60,
    /// 80, 100 or 120 ms) into `packet` and returns the number of bytes written.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Throws: `.badArgument` when the duration is not one Opus accepts; `.bufferTooSmall`.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into packet: UnsafeMutableRawBufferPointer)
        throws(OpusError) -> Int
    {
        let frameCount = pcm.count / channelCount
        guard let samples = pcm.baseAddress, frameCount * channelCount == pcm.count, frameCount > 0 else {
            throw OpusError(opusCode: OPUS_BAD_ARG, function: "OpusFrameEncoder.encode")
        }
        guard let bytes = packet.baseAddress, packet.count > 0 else {
            throw OpusError(opusCode: OPUS_BUFFER_TOO_SMALL, function: "OpusFrameEncoder.encode")
        }
        let result = opus_encode(
            encoder, samples, Int32(frameCount), bytes.assumingMemoryBound(to: UInt8.self),
            Int32(clamping: packet.count))
        guard result >= 0 else { throw OpusError(opusCode: result, function: "opus_encode") }
        return Int(result)
    }

    /// Encodes one frame held in an array and returns the packet (allocates the result).
    public func encode(_ pcm: [Int16]) throws(OpusError) -> [UInt8] {
        var failure: OpusError?
        let byteCount = pcm.withUnsafeBufferPointer { samples -> Int in
            do throws(OpusError) {
                return try encode(samples, into: UnsafeMutableRawBufferPointer(packetBuffer))
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return Array(packetBuffer[0..<byteCount])
    }

    /// Encodes a whole signal as consecutive packets of `frameCount` frames each; a last partial frame is
    /// padded with silence.
    public func encode(signal pcm: [Int16], packetFrameCount frameCount: Int) throws(OpusError) -> [[UInt8]] {
        let step = frameCount * channelCount
        var packets: [[UInt8]] = []
        var start = 0
        while start < pcm.count {
            var frame = Array(pcm[start..<min(start + step, pcm.count)])
            if frame.count < step { frame += repeatElement(0, count: step - frame.count) }
            packets.append(try encode(frame))
            start += step
        }
        return packets
    }

    private static func check(_ status: Int32, _ request: String) throws(OpusError) {
        guard status == OPUS_OK else { throw OpusError(opusCode: status, function: "opus_encoder_ctl(\(request))") }
    }
}
