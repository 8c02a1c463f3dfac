import DSPCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A ``DuplexAudio`` in memory, for testing the code above the device: capture frames come from an
/// array, written frames are kept in another, and faults can be injected at chosen frames. No ALSA, no
/// pacing: every call returns at once.
///
/// It mirrors ``DuplexDevice``: ``start()`` puts two periods of silence at the head of ``written``; an
/// injected underrun puts two more periods of silence before the write that meets it; an injected
/// overrun drops capture frames; a lost device throws ``ALSAError/Code-swift.enum/deviceLost``
/// (`-ENODEV`) from then on, as `snd_pcm_readi`/`snd_pcm_writei` would.
///
/// `@unchecked Sendable`: confined to the thread that runs the audio loop, like the real device; read
/// its results after that thread has finished.
public final class FakeDuplexDevice: DuplexAudio, @unchecked Sendable {
    /// A fault to inject.
    public enum Fault: Sendable, Hashable {
        /// Capture overflows before the frame: the read that reaches it reports a recovered xrun and
        /// skips `droppedFrames` frames of the capture data (the frames lost while the loop stalled).
        case overrun(droppedFrames: Int)
        /// Playback runs dry before the frame: the write that reaches it reports a recovered xrun, and
        /// two periods of silence precede its frames in ``written``.
        case underrun
        /// The device goes away at the frame: from the read (or write) that reaches it on, every call
        /// throws ``ALSAError/Code-swift.enum/deviceLost``.
        case deviceLost
    }

    /// The lines carried.
    public let channels: Int
    /// Frames per second (informative: nothing is paced).
    public let sampleRate: Int
    /// The period, in frames.
    public let periodFrames: Int
    /// The name errors carry.
    public let name: String
    /// The capture data (interleaved); past its end reads give silence, or it starts over when
    /// ``loopsCapture`` is set.
    public let captureSamples: [Int16]
    /// Whether capture starts over at the end of ``captureSamples`` (for long runs and benchmarks).
    public let loopsCapture: Bool
    /// Everything written (interleaved), with the silence of priming and of underruns.
    public private(set) var written: [Int16]
    /// Capture frames delivered so far (including silence past the end).
    public private(set) var framesRead = 0
    /// Frames the caller has written so far (not counting silence the fake inserted).
    public private(set) var framesWritten = 0
    /// Xruns reported so far.
    public private(set) var xrunCount = 0
    /// Whether ``start()`` was called.
    public private(set) var isStarted = false
    /// Whether ``stop()`` was called.
    public private(set) var isStopped = false

    /// Capture faults by the capture frame they happen at, in frame order.
    private var captureFaults: [(frame: Int, fault: Fault)] = []
    /// Playback faults by the frame of the caller's writes they happen at, in frame order.
    private var playbackFaults: [(frame: Int, fault: Fault)] = []
    /// The capture position in `captureSamples`, in frames (moves past dropped frames).
    private var capturePosition = 0
    /// The direction whose device was lost, if one was.
    private var lost = false

    /// A fake carrying `channels` lines, capturing `capture` (interleaved) and keeping what is written.
    /// `writeCapacityFrames` reserves ``written`` up front so that writes up to that many frames do not
    /// allocate (useful when measuring allocations of the loop above).
    public init(
        channels: Int, periodFrames: Int = 160, sampleRate: Int = G711.sampleRate, capture: [Int16] = [],
        loopsCapture: Bool = false, writeCapacityFrames: Int = 0, name: String = "fake"
    ) {
        precondition(channels > 0 && periodFrames > 0, "FakeDuplexDevice: channels and periodFrames must be positive")
        precondition(capture.count % channels == 0, "FakeDuplexDevice: capture is not whole frames")
        self.channels = channels
        self.periodFrames = periodFrames
        self.sampleRate = sampleRate
        self.captureSamples = capture
        self.loopsCapture = loopsCapture && !capture.isEmpty
        self.name = name
        written = []
        written.reserveCapacity((writeCapacityFrames + 2 * periodFrames) * channels)
    }

    /// Schedules `fault` at `frame`: an overrun or a lost device on the capture side counts capture
    /// frames; an underrun counts written frames. Call it before the loop runs.
    public func inject(_ fault: Fault, atFrame frame: Int) {
        switch fault {
        case .overrun, .deviceLost:
            captureFaults.append((frame, fault))
            captureFaults.sort { $0.frame < $1.frame }
        case .underrun:
            playbackFaults.append((frame, fault))
            playbackFaults.sort { $0.frame < $1.frame }
        }
    }

    /// Schedules a lost device on the playback side, at the `frame`th written frame.
    public func injectPlaybackDeviceLost(atFrame frame: Int) {
        playbackFaults.append((frame, .deviceLost))
        playbackFaults.sort { $0.frame < $1.frame }
    }

    /// Marks the device started and puts two periods of silence at the head of ``written``.
    public func start() throws(ALSAError) {
        guard !lost else { throw lostError("snd_pcm_start") }
        isStarted = true
        written.append(contentsOf: repeatElement(0, count: 2 * periodFrames * channels))
    }

    /// Copies `frames` frames of capture data into `buffer` (silence past the end), applying the faults
    /// that fall in them. Real-time safe: no allocation, locks or logging.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        precondition(buffer.count >= frames * channels, "FakeDuplexDevice.read: buffer too small")
        guard !lost else { throw lostError("snd_pcm_readi") }
        var recovered = false
        while let next = captureFaults.first, next.frame < framesRead + frames {
            captureFaults.removeFirst()
            switch next.fault {
            case .overrun(let dropped):
                xrunCount += 1
                recovered = true
                capturePosition += dropped
            case .deviceLost:
                lost = true
                throw lostError("snd_pcm_readi")
            case .underrun:
                break
            }
        }
        // In runs of whole frames: up to the end of the capture data, then from its start again (looping)
        // or silence.
        let total = captureSamples.count / channels
        captureSamples.withUnsafeBufferPointer { source in
            var frame = 0
            while frame < frames {
                var position = capturePosition + frame
                if loopsCapture { position %= total }
                let run = min(frames - frame, max(total - position, 0))
                let target = buffer.baseAddress! + frame * channels
                if run > 0 {
                    target.update(from: source.baseAddress! + position * channels, count: run * channels)
                    frame += run
                } else {
                    target.update(repeating: 0, count: (frames - frame) * channels)
                    frame = frames
                }
            }
        }
        capturePosition += frames
        if loopsCapture { capturePosition %= captureSamples.count / channels }
        framesRead += frames
        return IOResult(frames: frames, recoveredXrun: recovered)
    }

    /// Appends `frames` frames of `buffer` to ``written``, applying the faults that fall in them.
    /// Allocates only when ``written`` outgrows its reserved capacity.
    public func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        precondition(buffer.count >= frames * channels, "FakeDuplexDevice.write: buffer too small")
        guard !lost else { throw lostError("snd_pcm_writei") }
        var recovered = false
        while let next = playbackFaults.first, next.frame < framesWritten + frames {
            playbackFaults.removeFirst()
            switch next.fault {
            case .underrun:
                xrunCount += 1
                recovered = true
                written.append(contentsOf: repeatElement(0, count: 2 * periodFrames * channels))
            case .deviceLost:
                lost = true
                throw lostError("snd_pcm_writei")
            case .overrun:
                break
            }
        }
        written.append(contentsOf: buffer[0..<(frames * channels)])
        framesWritten += frames
        return IOResult(frames: frames, recoveredXrun: recovered)
    }

    /// Marks the device stopped. Idempotent.
    public func stop() {
        isStopped = true
    }

    /// The error a lost device gives.
    private func lostError(_ function: String) -> ALSAError {
        ALSAError(code: .deviceLost, alsaCode: -ENODEV, function: function, device: name)
    }
}
