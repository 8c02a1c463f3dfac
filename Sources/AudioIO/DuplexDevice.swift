import CAlsa

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A capture and a playback stream run as a pair, channel i of each being telephone line i.
///
/// Both may come from one PCM name (a full-duplex `hw:` device, or an `asym` definition) or from two.
/// Opening links them with `snd_pcm_link` so that they start together; plugins refuse (`-ENOSYS` on the
/// file, null and JACK plugins), and then ``start()`` starts each itself, back to back. ``start()``
/// primes playback with two periods of silence, so what is written comes out two periods after the
/// capture of the same turn.
///
/// `@unchecked Sendable`: it may be opened on one thread and handed to the audio thread, which is the
/// only one to call it afterwards (the streams it owns are confined to that thread).
public final class DuplexDevice: DuplexAudio, @unchecked Sendable {
    /// The capture stream (from the lines).
    public let capture: PCMStream
    /// The playback stream (to the lines).
    public let playback: PCMStream
    /// Whether `snd_pcm_link` joined the two streams (only hw-backed PCMs allow it).
    public let isLinked: Bool
    /// What `snd_pcm_link` returned: 0, or why it refused (`-ENOSYS` on plugins).
    public let linkResult: Int32
    /// Whether ``start()`` was called.
    public private(set) var isStarted = false

    /// Opens both streams and checks that they agree.
    ///
    /// Throws ``ALSAError/Code-swift.enum/channelMismatch`` before opening anything when the channel
    /// counts differ, any error of ``PCMStream/init(_:_:)``, and
    /// ``ALSAError/Code-swift.enum/periodMismatch`` when the two streams negotiated different periods.
    /// Cost: opens two devices; call it off the audio thread.
    public init(capture: DeviceConfiguration, playback: DeviceConfiguration) throws(ALSAError) {
        let pairName = capture.name == playback.name ? capture.name : "\(capture.name) + \(playback.name)"
        guard capture.channels == playback.channels else {
            throw ALSAError(
                code: .channelMismatch, alsaCode: -EINVAL, function: "DuplexDevice.init", device: pairName,
                configFile: capture.configFile ?? playback.configFile,
                detail: "capture has \(capture.channels) channels, playback \(playback.channels)")
        }
        guard capture.sampleRate == playback.sampleRate else {
            throw ALSAError(
                code: .unsupportedParameters, alsaCode: -EINVAL, function: "DuplexDevice.init", device: pairName,
                configFile: capture.configFile ?? playback.configFile,
                detail: "capture runs at \(capture.sampleRate) Hz, playback at \(playback.sampleRate) Hz")
        }
        let captureStream = try PCMStream(.capture, capture)
        let playbackStream = try PCMStream(.playback, playback)
        guard captureStream.periodFrames == playbackStream.periodFrames else {
            throw ALSAError(
                code: .periodMismatch, alsaCode: -EINVAL, function: "DuplexDevice.init", device: pairName,
                configFile: capture.configFile ?? playback.configFile,
                detail: "capture negotiated a period of \(captureStream.periodFrames) frames "
                    + "(asked \(capture.periodFrames)), playback \(playbackStream.periodFrames) "
                    + "(asked \(playback.periodFrames))")
        }
        self.capture = captureStream
        self.playback = playbackStream
        linkResult = snd_pcm_link(captureStream.handle, playbackStream.handle)
        isLinked = linkResult == 0
    }

    deinit {
        stop()
    }

    /// The lines carried.
    public var channels: Int { capture.channels }
    /// Frames per second.
    public var sampleRate: Int { capture.configuration.sampleRate }
    /// The period both streams run at, in frames.
    public var periodFrames: Int { capture.periodFrames }
    /// The xruns recovered so far, capture and playback together.
    public var xrunCount: Int { capture.xrunCount + playback.xrunCount }

    /// Primes playback with two periods of silence (reaching its start threshold starts it; linked
    /// streams start capture with it), then starts capture if it is not running yet. Calls after the
    /// first do nothing.
    ///
    /// Real-time safe: no allocation, locks or logging. Call it on the audio thread, right before the
    /// loop's first read.
    public func start() throws(ALSAError) {
        guard !isStarted else { return }
        isStarted = true
        try playback.prime(silenceFrames: 2 * playback.periodFrames)
        try playback.start()
        try capture.start()
    }

    /// Reads a period (or `frames`) from capture: see ``PCMStream/read(into:frames:)``.
    ///
    /// Real-time safe: no allocation, locks or logging.
    @inlinable
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        try capture.read(into: buffer, frames: frames)
    }

    /// Writes to playback: see ``PCMStream/write(_:frames:)``.
    ///
    /// Real-time safe: no allocation, locks or logging.
    @inlinable
    public func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        try playback.write(buffer, frames: frames)
    }

    /// Lets playback drain (up to a buffer's time), then unlinks and closes both streams. Idempotent.
    public func stop() {
        if isLinked, let handle = capture.handle { snd_pcm_unlink(handle) }
        playback.drain()
        capture.drain()
        playback.close()
        capture.close()
    }
}
