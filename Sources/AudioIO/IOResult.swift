/// What one read or write did.
public struct IOResult: Sendable, Hashable {
    /// The frames transferred: all that were asked, unless a capture device reported the end of its data
    /// (alsa-lib returned 0 frames), in which case the rest of the buffer is silence.
    public var frames: Int
    /// Whether an xrun (`-EPIPE`) or a suspend (`-ESTRPIPE`) happened during the call and was recovered.
    /// Audio is discontinuous there: capture lost the frames of the stall; playback restarted after
    /// two periods of silence.
    public var recoveredXrun: Bool

    /// A result with every field given.
    public init(frames: Int, recoveredXrun: Bool) {
        self.frames = frames
        self.recoveredXrun = recoveredXrun
    }
}
