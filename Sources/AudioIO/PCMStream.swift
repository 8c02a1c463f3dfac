import CAlsa
import DSPCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

// Linear samples go to and from the device as they lie in memory, so S16_LE needs a little-endian host.
#if _endian(big)
    #error("AudioIO passes Int16 samples to S16_LE devices unswapped: it needs a little-endian host")
#endif

/// One direction of an ALSA PCM, carrying interleaved linear 16-bit frames (channel i = line i).
///
/// Opening negotiates everything (`RW_INTERLEAVED`, the format, the channel count, the exact rate, the
/// period and buffer "near" what was asked, read back into ``periodFrames`` and ``bufferFrames``) and
/// allocates every buffer the stream will need; ``read(into:frames:)``, ``write(_:frames:)``,
/// ``prime(silenceFrames:)`` and ``start()`` then allocate nothing.
///
/// The stream owns its `snd_pcm_t` and closes it in ``close()`` or `deinit`. It is `@unchecked Sendable`
/// so that it can be opened on one thread and handed to the audio thread; from then on only the thread
/// that runs the audio loop may call it.
public final class PCMStream: @unchecked Sendable {
    /// The direction of a stream.
    public enum Direction: Sendable, Hashable {
        /// From the lines (reading).
        case capture
        /// To the lines (writing).
        case playback
    }

    /// Capture or playback.
    public let direction: Direction
    /// What was asked for.
    public let configuration: DeviceConfiguration
    /// The period the device gave, in frames (may differ from ``DeviceConfiguration/periodFrames``).
    public private(set) var periodFrames: Int
    /// The ring buffer the device gave, in frames.
    public private(set) var bufferFrames: Int
    /// The xruns and suspends recovered so far.
    public private(set) var xrunCount: Int = 0

    /// The `snd_pcm_t`; nil once closed.
    var handle: OpaquePointer?
    /// Channels per frame.
    let channels: Int
    /// Bytes per frame on the device.
    let bytesPerFrame: Int
    /// The G.711 law of the device format, nil for linear.
    let law: G711.Law?
    /// G.711 bytes between the device and the caller's linear samples: `chunkFrames` frames. Empty for
    /// linear formats.
    let scratch: UnsafeMutableBufferPointer<UInt8>
    /// The frames `scratch` holds.
    let chunkFrames: Int
    /// One period of silence in the device format (zeros, or the law's silence code).
    let silence: UnsafeMutableRawBufferPointer
    /// Playback starts by itself once this many frames are queued (two periods).
    let startThresholdFrames: Int

    /// Opens `configuration.name` in `direction` and negotiates its parameters.
    ///
    /// Cost: opens the device (for the file plugin, its files; for JACK, a client) and allocates the
    /// G.711 scratch and a period of silence. Call it off the audio thread.
    public init(_ direction: Direction, _ configuration: DeviceConfiguration) throws(ALSAError) {
        self.direction = direction
        self.configuration = configuration
        channels = configuration.channels
        bytesPerFrame = configuration.bytesPerFrame
        law = configuration.format.law

        let pcm = try Self.open(direction, configuration)
        let negotiated: (period: Int, buffer: Int)
        do {
            negotiated = try Self.setHardwareParameters(pcm, configuration)
            try Self.setSoftwareParameters(pcm, direction, configuration, periodFrames: negotiated.period)
        } catch {
            snd_pcm_close(pcm)
            throw error
        }
        handle = pcm
        periodFrames = negotiated.period
        bufferFrames = negotiated.buffer
        startThresholdFrames = min(2 * negotiated.period, negotiated.buffer)

        chunkFrames = max(negotiated.buffer, negotiated.period)
        if let law {
            scratch = .allocate(capacity: chunkFrames * channels)
            scratch.initialize(repeating: law.silenceCode)
        } else {
            scratch = UnsafeMutableBufferPointer(start: nil, count: 0)
        }
        silence = .allocate(byteCount: negotiated.period * bytesPerFrame, alignment: 16)
        silence.initializeMemory(as: UInt8.self, repeating: law?.silenceCode ?? 0)
    }

    deinit {
        close()
        scratch.deallocate()
        silence.deallocate()
    }

    /// Closes the device (`snd_pcm_close`, which drops whatever is queued; call ``drain()`` first to let
    /// playback finish). Idempotent. Not real-time safe: closing may free memory and join a plugin's
    /// thread.
    public func close() {
        guard let pcm = handle else { return }
        handle = nil
        snd_pcm_close(pcm)
    }

    /// Whether the stream is open.
    public var isOpen: Bool { handle != nil }

    /// The alsa-lib state of the stream (`snd_pcm_state`), nil once closed.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    var state: snd_pcm_state_t? {
        guard let pcm = handle else { return nil }
        return snd_pcm_state(pcm)
    }

    // MARK: - Reading

    /// Reads `frames` frames of interleaved linear 16-bit samples (`channels × frames` values) into
    /// `buffer`, decoding µ-law or A-law with DSPCore's ``G711`` when the device carries them.
    ///
    /// The buffer is cleared first: the file and null plugins return the full count at the end of their
    /// data without touching the caller's memory, so stale samples would come back. Past the end of a
    /// file plugin's `infile` the samples are silence (0 for linear and µ-law; +8, the decoded A-law
    /// silence code 0xD5, for A-law).
    ///
    /// An xrun (`-EPIPE`) or suspend (`-ESTRPIPE`) is recovered with `snd_pcm_recover`, counted in
    /// ``xrunCount`` and reported in the result, and the read goes on (the frames of the stall are lost);
    /// `-EINTR` is recovered and retried without being counted, as no data is lost. Anything else throws.
    ///
    /// Blocks until the device has the frames (one period's time when the loop keeps up).
    /// Real-time safe: no allocation, locks or logging. Call it only on the audio thread.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        precondition(direction == .capture, "PCMStream.read on a playback stream")
        precondition(frames >= 0 && buffer.count >= frames * channels, "PCMStream.read: buffer too small")
        guard let pcm = handle else { throw closedError("snd_pcm_readi") }
        guard frames > 0, let base = buffer.baseAddress else { return IOResult(frames: 0, recoveredXrun: false) }
        base.update(repeating: 0, count: frames * channels)

        var recovered = false
        guard let law else {
            let done = try transfer(pcm, UnsafeMutableRawPointer(base), frames: frames, recovered: &recovered)
            return IOResult(frames: done, recoveredXrun: recovered)
        }
        var done = 0
        while done < frames {
            let count = min(chunkFrames, frames - done)
            let bytes = UnsafeMutableBufferPointer(rebasing: scratch[0..<(count * channels)])
            bytes.update(repeating: law.silenceCode)
            let got = try transfer(
                pcm, UnsafeMutableRawPointer(bytes.baseAddress!), frames: count, recovered: &recovered)
            G711.decode(
                UnsafeBufferPointer(bytes),
                into: UnsafeMutableBufferPointer(start: base + done * channels, count: bytes.count),
                law: law)
            done += got
            if got < count { break }
        }
        return IOResult(frames: done, recoveredXrun: recovered)
    }

    // MARK: - Writing

    /// Writes `frames` frames of interleaved linear 16-bit samples from `buffer`, encoding them to µ-law
    /// or A-law (G.191-exact) when the device carries G.711.
    ///
    /// On an underrun (`-EPIPE`) or suspend (`-ESTRPIPE`): recovers with `snd_pcm_recover`, primes two
    /// periods of silence (which restarts the stream through its start threshold), counts the xrun in
    /// ``xrunCount``, reports it in the result and goes on writing the caller's frames. `-EINTR` is
    /// retried without being counted. Anything else throws.
    ///
    /// Blocks while the device's buffer is full (up to a period's time when the loop keeps up).
    /// Real-time safe: no allocation, locks or logging. Call it only on the audio thread.
    public func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        precondition(direction == .playback, "PCMStream.write on a capture stream")
        precondition(frames >= 0 && buffer.count >= frames * channels, "PCMStream.write: buffer too small")
        guard let pcm = handle else { throw closedError("snd_pcm_writei") }
        guard frames > 0, let base = buffer.baseAddress else { return IOResult(frames: 0, recoveredXrun: false) }

        var recovered = false
        guard let law else {
            let raw = UnsafeMutableRawPointer(mutating: base)
            let done = try transfer(pcm, raw, frames: frames, recovered: &recovered)
            return IOResult(frames: done, recoveredXrun: recovered)
        }
        var done = 0
        while done < frames {
            let count = min(chunkFrames, frames - done)
            let bytes = UnsafeMutableBufferPointer(rebasing: scratch[0..<(count * channels)])
            G711.encode(UnsafeBufferPointer(start: base + done * channels, count: bytes.count), into: bytes, law: law)
            done += try transfer(pcm, UnsafeMutableRawPointer(bytes.baseAddress!), frames: count, recovered: &recovered)
        }
        return IOResult(frames: done, recoveredXrun: recovered)
    }

    /// Playback: queues `silenceFrames` frames of silence (zeros, or the law's silence code). Queuing two
    /// periods reaches the start threshold, so the stream starts.
    ///
    /// Real-time safe: no allocation, locks or logging; blocks only if the buffer fills.
    public func prime(silenceFrames: Int) throws(ALSAError) {
        precondition(direction == .playback, "PCMStream.prime on a capture stream")
        guard let pcm = handle else { throw closedError("snd_pcm_writei") }
        var recovered = false
        try writeSilence(pcm, frames: silenceFrames, recovered: &recovered)
    }

    /// Starts the stream (`snd_pcm_start`) if it is prepared; does nothing if it already runs (playback
    /// starts by itself once two periods are queued; a capture stream on the first read).
    ///
    /// Real-time safe: no allocation, locks or logging.
    public func start() throws(ALSAError) {
        guard let pcm = handle else { throw closedError("snd_pcm_start") }
        guard snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED else { return }
        let result = snd_pcm_start(pcm)
        if result < 0 {
            throw ALSAError.running(result, direction: direction, device: configuration.name, function: "snd_pcm_start")
        }
    }

    /// Playback: blocks until the queued audio has played out (`snd_pcm_drain`); the file plugin's output
    /// file is complete only after this or ``close()``. A playback stream that is not running or prepared
    /// (after an unrecovered xrun, a suspend, a lost device) is dropped instead, as there is nothing to
    /// wait for. Capture: stops the stream (`snd_pcm_drop`).
    /// Blocks up to a buffer's time; not for the middle of the audio loop.
    public func drain() {
        guard let pcm = handle else { return }
        let state = snd_pcm_state(pcm)
        if direction == .playback && (state == SND_PCM_STATE_RUNNING || state == SND_PCM_STATE_PREPARED) {
            _ = snd_pcm_drain(pcm)
        } else {
            _ = snd_pcm_drop(pcm)
        }
    }

    // MARK: - Transfer and recovery

    /// Reads or writes `frames` device frames at `pointer`, recovering xruns. Returns the frames
    /// transferred: fewer only when a capture device reports the end of its data (0 frames).
    ///
    /// Real-time safe: no allocation, locks or logging.
    private func transfer(
        _ pcm: OpaquePointer, _ pointer: UnsafeMutableRawPointer, frames: Int, recovered: inout Bool
    ) throws(ALSAError) -> Int {
        var done = 0
        while done < frames {
            let at = pointer + done * bytesPerFrame
            let left = snd_pcm_uframes_t(frames - done)
            let result = direction == .capture ? snd_pcm_readi(pcm, at, left) : snd_pcm_writei(pcm, at, left)
            if result > 0 {
                done += result
            } else if result == 0 {
                if direction == .capture { break }
            } else {
                try recover(pcm, Int32(truncatingIfNeeded: result), recovered: &recovered)
            }
        }
        return done
    }

    /// Recovers from `error` (`-EPIPE`, `-ESTRPIPE`, `-EINTR`) with `snd_pcm_recover`; counts an xrun or
    /// suspend and, on playback, primes two periods of silence. Throws for any other error, or when
    /// recovery fails.
    ///
    /// Real-time safe: no allocation, locks or logging. After a suspend `snd_pcm_recover` may sleep while
    /// the device resumes.
    private func recover(_ pcm: OpaquePointer, _ error: Int32, recovered: inout Bool) throws(ALSAError) {
        let function = direction == .capture ? "snd_pcm_readi" : "snd_pcm_writei"
        guard error == -EPIPE || error == -ESTRPIPE || error == -EINTR else {
            throw ALSAError.running(error, direction: direction, device: configuration.name, function: function)
        }
        let result = snd_pcm_recover(pcm, error, 1)
        if result < 0 {
            throw ALSAError.running(
                result, direction: direction, device: configuration.name, function: "snd_pcm_recover")
        }
        guard error != -EINTR else { return }
        xrunCount += 1
        recovered = true
        if direction == .playback {
            try writeSilence(pcm, frames: startThresholdFrames, recovered: &recovered)
        }
    }

    /// Writes `frames` frames of silence, a period at a time.
    ///
    /// Real-time safe: no allocation, locks or logging.
    private func writeSilence(_ pcm: OpaquePointer, frames: Int, recovered: inout Bool) throws(ALSAError) {
        var done = 0
        while done < frames {
            let count = min(periodFrames, frames - done)
            done += try transfer(pcm, silence.baseAddress!, frames: count, recovered: &recovered)
        }
    }

    /// The error for a call on a closed stream.
    private func closedError(_ function: String) -> ALSAError {
        ALSAError(code: .badState, alsaCode: -EBADFD, function: function, device: configuration.name)
    }
}
