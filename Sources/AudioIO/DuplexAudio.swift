/// A capture and playback pair carrying `channels` lines, read and written a period at a time.
///
/// An audio loop can be generic over it (`func run<Device: DuplexAudio>(_ device: Device)`), so that the
/// calls specialise with no existential per frame: ``DuplexDevice`` is ALSA, ``FakeDuplexDevice`` memory.
///
/// Threads: after ``start()``, ``read(into:frames:)``, ``write(_:frames:)`` and ``stop()`` belong to the
/// one thread that runs the audio loop.
public protocol DuplexAudio: AnyObject, Sendable {
    /// The lines carried (interleaved channels).
    var channels: Int { get }
    /// Frames per second.
    var sampleRate: Int { get }
    /// The period the device runs at, in frames: read and write this many per loop turn.
    var periodFrames: Int { get }
    /// The xruns recovered so far, both directions together.
    var xrunCount: Int { get }
    /// Reads `frames` frames (`channels × frames` interleaved samples) into `buffer`; blocks for them.
    /// Real-time safe.
    func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult
    /// Writes `frames` frames (`channels × frames` interleaved samples) from `buffer`. Real-time safe.
    func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult
    /// Starts both directions (playback primed with two periods of silence).
    func start() throws(ALSAError)
    /// Lets playback finish and closes both directions. Idempotent.
    func stop()
}
