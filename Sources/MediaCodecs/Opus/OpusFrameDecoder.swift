import COpus

/// Decodes Opus packets (RFC 6716) to 16-bit PCM through libopus, with packet loss concealment and
/// in-band forward error correction.
///
/// ```swift
/// let decoder = try OpusFrameDecoder(sampleRate: 8000, channelCount: 1)
/// let frameCount = try decoder.decode(packet, into: pcm)          // a packet that arrived
/// let concealed = try decoder.conceal(frameCount: 160, into: pcm)   // a packet lost, nothing after it yet
/// let recovered = try decoder.recover(fromNext: next, frameCount: 160, into: pcm)  // lost, next one here
/// ```
///
/// Any packet decodes at any of the decoder rates: a 20 ms packet gives 160 frames at 8 kHz and 960 at
/// 48 kHz, whatever rate it was encoded at. Output is interleaved when `channelCount` is 2. Every count
/// here is in frames (samples per channel).
///
/// The decoder state and a 120 ms output buffer (the longest Opus packet) are allocated at init;
/// decoding allocates nothing. The methods without an `into:` argument decode into that buffer and
/// expose the result as ``decodedSamples``.
///
/// A corrupt or empty packet throws ``OpusError`` with code `.invalidPacket`. Note that a single-frame
/// packet cut short is not always detectable: its frame has no length field, so libopus decodes what is
/// there (bounded garbage, never a crash). Multi-frame packets cut short are detected.
///
/// Thread safety: `@unchecked Sendable` because the class owns a C `OpusDecoder*` with no internal
/// locking. An instance is confined to one thread at a time (the audio thread of the line it decodes
/// for); it may be handed to another thread, but never used from two at once.
public final class OpusFrameDecoder: @unchecked Sendable {
    /// The output rate in Hz: 8000, 12000, 16000, 24000 or 48000.
    public let sampleRate: Int
    /// 1 (mono) or 2 (interleaved stereo).
    public let channelCount: Int
    /// The longest frame a packet can hold: 120 ms at `sampleRate`.
    public let maximumFrameCount: Int

    private let decoder: OpaquePointer
    private let buffer: UnsafeMutableBufferPointer<Int16>
    private var bufferedFrameCount = 0

    /// The sample rates libopus decodes at.
    public static let supportedSampleRates = [8000, 12000, 16000, 24000, 48000]

    /// Creates a decoder producing `channelCount` channels at `sampleRate`.
    ///
    /// - Throws: `.badArgument` for any other sample rate or channel count, `.allocationFailure`.
    public init(sampleRate: Int, channelCount: Int) throws(OpusError) {
        guard Self.supportedSampleRates.contains(sampleRate), channelCount == 1 || channelCount == 2 else {
            throw OpusError(opusCode: OPUS_BAD_ARG, function: "opus_decoder_create")
        }
        var status: Int32 = OPUS_OK
        guard let decoder = opus_decoder_create(Int32(sampleRate), Int32(channelCount), &status),
            status == OPUS_OK
        else {
            throw OpusError(opusCode: status == OPUS_OK ? OPUS_ALLOC_FAIL : status, function: "opus_decoder_create")
        }
        self.decoder = decoder
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        maximumFrameCount = sampleRate * 120 / 1000
        buffer = .allocate(capacity: maximumFrameCount * channelCount)
        buffer.initialize(repeating: 0)
    }

    deinit {
        opus_decoder_destroy(decoder)
        buffer.deallocate()
    }

    // MARK: - Decoding into the caller's buffer

    /// Decodes one packet into `output` (interleaved) and returns the number of frames written.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Throws: `.invalidPacket` for an empty or corrupt packet; `.bufferTooSmall` when `output` holds
    ///   fewer frames than the packet (give it ``maximumFrameCount`` frames to be safe).
    public func decode(_ packet: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>)
        throws(OpusError) -> Int
    {
        // libopus treats a zero-length packet as a lost one; here it is a caller error.
        guard let bytes = packet.baseAddress, packet.count > 0 else {
            throw OpusError(opusCode: OPUS_INVALID_PACKET, function: "OpusFrameDecoder.decode")
        }
        guard packet.count <= Int(Int32.max) else {
            throw OpusError(opusCode: OPUS_BAD_ARG, function: "OpusFrameDecoder.decode")
        }
        return try run(
            bytes.assumingMemoryBound(to: UInt8.self), Int32(packet.count), into: output,
            frameCount: output.count / channelCount, fec: 0, function: "opus_decode")
    }

    /// Conceals one lost packet (packet loss concealment: `opus_decode` with no data) by writing
    /// `frameCount` frames of extrapolated signal into `output`.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Parameter frameCount: the duration of the gap, a multiple of 2.5 ms (20 at 8 kHz).
    /// - Throws: `.badArgument` when `frameCount` is not a multiple of 2.5 ms; `.bufferTooSmall`.
    public func conceal(frameCount: Int, into output: UnsafeMutableBufferPointer<Int16>) throws(OpusError) -> Int {
        try checkGap(frameCount: frameCount, capacity: output.count, function: "OpusFrameDecoder.conceal")
        return try run(nil, 0, into: output, frameCount: frameCount, fec: 0, function: "opus_decode")
    }

    /// Rebuilds one lost packet from the in-band FEC data (LBRR) carried by the packet that followed
    /// it, writing `frameCount` frames into `output`; then decode `next` itself normally.
    ///
    /// When `next` carries no FEC data (the encoder had FEC off, or used CELT-only mode), libopus
    /// conceals the gap instead, exactly as ``conceal(frameCount:into:)`` would.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Parameter frameCount: the duration of the lost packet, a multiple of 2.5 ms.
    /// - Throws: `.invalidPacket` when `next` is empty or corrupt; `.badArgument`; `.bufferTooSmall`.
    public func recover(
        fromNext next: UnsafeRawBufferPointer, frameCount: Int, into output: UnsafeMutableBufferPointer<Int16>
    ) throws(OpusError) -> Int {
        guard let bytes = next.baseAddress, next.count > 0 else {
            throw OpusError(opusCode: OPUS_INVALID_PACKET, function: "OpusFrameDecoder.recover")
        }
        guard next.count <= Int(Int32.max) else {
            throw OpusError(opusCode: OPUS_BAD_ARG, function: "OpusFrameDecoder.recover")
        }
        try checkGap(frameCount: frameCount, capacity: output.count, function: "OpusFrameDecoder.recover")
        return try run(
            bytes.assumingMemoryBound(to: UInt8.self), Int32(next.count), into: output, frameCount: frameCount,
            fec: 1, function: "opus_decode")
    }

    // MARK: - Decoding into the decoder's own buffer

    /// The frames written by the last successful call without an `into:` argument, interleaved; valid
    /// until the next call on this decoder. Do not keep it beyond that.
    public var decodedSamples: UnsafeBufferPointer<Int16> {
        UnsafeBufferPointer(rebasing: buffer[0..<(bufferedFrameCount * channelCount)])
    }

    /// Decodes one packet into the decoder's own 120 ms buffer (read it through ``decodedSamples``)
    /// and returns the number of frames decoded.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    public func decode(_ packet: UnsafeRawBufferPointer) throws(OpusError) -> Int {
        bufferedFrameCount = 0
        bufferedFrameCount = try decode(packet, into: buffer)
        return bufferedFrameCount
    }

    /// Conceals one lost packet into the decoder's own buffer; see ``conceal(frameCount:into:)``.
    public func conceal(frameCount: Int) throws(OpusError) -> Int {
        bufferedFrameCount = 0
        bufferedFrameCount = try conceal(frameCount: frameCount, into: buffer)
        return bufferedFrameCount
    }

    /// Recovers one lost packet into the decoder's own buffer; see ``recover(fromNext:frameCount:into:)``.
    public func recover(fromNext next: UnsafeRawBufferPointer, frameCount: Int) throws(OpusError) -> Int {
        bufferedFrameCount = 0
        bufferedFrameCount = try recover(fromNext: next, frameCount: frameCount, into: buffer)
        return bufferedFrameCount
    }

    // MARK: - Byte arrays

    /// Decodes a packet held in an array; see ``decode(_:into:)-(UnsafeRawBufferPointer,_)``.
    public func decode(_ packet: [UInt8], into output: UnsafeMutableBufferPointer<Int16>) throws(OpusError) -> Int {
        try withBytes(packet) { bytes throws(OpusError) in try decode(bytes, into: output) }
    }

    /// Decodes a packet held in an array into the decoder's own buffer.
    public func decode(_ packet: [UInt8]) throws(OpusError) -> Int {
        try withBytes(packet) { bytes throws(OpusError) in try decode(bytes) }
    }

    /// Recovers a lost packet from the following packet held in an array.
    public func recover(fromNext next: [UInt8], frameCount: Int) throws(OpusError) -> Int {
        try withBytes(next) { bytes throws(OpusError) in try recover(fromNext: bytes, frameCount: frameCount) }
    }

    // MARK: - Streams

    /// What produced a frame of a stream with losses.
    public enum FrameSource: Hashable, Sendable {
        /// The packet arrived and was decoded.
        case decoded
        /// The packet was lost and rebuilt from the FEC data of the next packet.
        case recovered
        /// The packet was lost and nothing after it has arrived yet: the gap was concealed.
        case concealed
    }

    /// Produces the next frame of a stream whose packets may be lost: decodes `packet` when it arrived,
    /// else recovers it from `next` when that arrived, else conceals `frameCount` frames. Keeping one
    /// packet of look-ahead (a one-packet jitter buffer) is what makes FEC possible.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    ///
    /// - Parameter frameCount: the duration of a lost packet (the stream's packet duration).
    public func decodeFrame(
        _ packet: UnsafeRawBufferPointer?, next: UnsafeRawBufferPointer?, frameCount: Int,
        into output: UnsafeMutableBufferPointer<Int16>
    ) throws(OpusError) -> (frameCount: Int, source: FrameSource) {
        if let packet {
            return (try decode(packet, into: output), .decoded)
        }
        if let next {
            return (try recover(fromNext: next, frameCount: frameCount, into: output), .recovered)
        }
        return (try conceal(frameCount: frameCount, into: output), .concealed)
    }

    // MARK: - State

    /// The duration of the last packet decoded or concealed, in frames (`OPUS_GET_LAST_PACKET_DURATION`).
    public var lastPacketFrameCount: Int {
        var value: Int32 = 0
        _ = copus_dec_get_last_packet_duration(decoder, &value)
        return Int(value)
    }

    /// Forgets the stream (`OPUS_RESET_STATE`): use between unrelated streams.
    public func reset() {
        _ = copus_dec_reset(decoder)
        bufferedFrameCount = 0
    }

    /// The number of frames per channel in `packet` at `sampleRate` (`opus_packet_get_nb_samples`),
    /// without decoding it. This reads the table-of-contents byte and the frame count only; it does not
    /// validate the frame lengths (decoding does).
    ///
    /// - Throws: `.invalidPacket` when the packet is empty or announces no frames.
    public static func frameCount(ofPacket packet: UnsafeRawBufferPointer, sampleRate: Int) throws(OpusError) -> Int {
        guard let bytes = packet.baseAddress, packet.count > 0, packet.count <= Int(Int32.max) else {
            throw OpusError(opusCode: OPUS_INVALID_PACKET, function: "opus_packet_get_nb_samples")
        }
        let count = opus_packet_get_nb_samples(
            bytes.assumingMemoryBound(to: UInt8.self), Int32(packet.count), Int32(sampleRate))
        guard count > 0 else {
            throw OpusError(opusCode: count == 0 ? OPUS_INVALID_PACKET : count, function: "opus_packet_get_nb_samples")
        }
        return Int(count)
    }

    // MARK: - Private

    private func checkGap(frameCount: Int, capacity: Int, function: String) throws(OpusError) {
        // A gap is a whole number of 2.5 ms units (sampleRate / 400 frames), at most 120 ms.
        guard frameCount > 0, frameCount % (sampleRate / 400) == 0, frameCount <= maximumFrameCount else {
            throw OpusError(opusCode: OPUS_BAD_ARG, function: function)
        }
        guard capacity >= frameCount * channelCount else {
            throw OpusError(opusCode: OPUS_BUFFER_TOO_SMALL, function: function)
        }
    }

    @inline(__always)
    private func run(
        _ data: UnsafePointer<UInt8>?, _ length: Int32, into output: UnsafeMutableBufferPointer<Int16>,
        frameCount: Int, fec: Int32, function: String
    ) throws(OpusError) -> Int {
        guard frameCount > 0, let pcm = output.baseAddress else {
            throw OpusError(opusCode: OPUS_BUFFER_TOO_SMALL, function: function)
        }
        let result = opus_decode(decoder, data, length, pcm, Int32(min(frameCount, maximumFrameCount)), fec)
        guard result >= 0 else { throw OpusError(opusCode: result, function: function) }
        return Int(result)
    }

    private func withBytes<Result>(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(OpusError) -> Result
    ) throws(OpusError) -> Result {
        // withUnsafeBytes rethrows untyped errors; carry the typed one out by hand.
        var failure: OpusError?
        let result: Result? = bytes.withUnsafeBytes { raw in
            do throws(OpusError) { return try body(raw) } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return result!
    }
}
