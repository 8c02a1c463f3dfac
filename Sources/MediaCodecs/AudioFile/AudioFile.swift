import DSPCore

/// A whole decoded audio file: one array of 16-bit samples per channel.
public struct DecodedAudio: Hashable, Sendable {
    /// The rate of `channels`, in Hz.
    public var sampleRate: Int
    /// The samples, one array per channel, all the same length.
    public var channels: [[Int16]]
    /// The rate the file was stored at, in Hz (equal to `sampleRate` when no conversion happened).
    public var fileSampleRate: Int

    /// Audio at `sampleRate` with the given channels.
    public init(sampleRate: Int, channels: [[Int16]], fileSampleRate: Int? = nil) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.fileSampleRate = fileSampleRate ?? sampleRate
    }

    /// The number of frames (samples per channel).
    public var frameCount: Int { channels.first?.count ?? 0 }
    /// The number of channels.
    public var channelCount: Int { channels.count }
    /// The duration in seconds.
    public var durationSeconds: Double { Double(frameCount) / Double(sampleRate) }
}

/// Whole-file conveniences over ``AudioFileReader`` and ``AudioFileWriter``.
public enum AudioFile {
    /// Reads a whole file, one array per channel, at `sampleRate` (8000 Hz unless told; nil keeps the
    /// file's rate). Files at other rates go through `DSPCore.Resampler`; Ogg Opus is decoded at the
    /// wanted rate directly when libopus supports it.
    ///
    /// For long files with a progress display, use ``AudioFileReader`` and read blocks.
    public static func read(
        path: String, format: AudioFileFormat? = nil, sampleRate: Int? = G711.sampleRate,
        raw: AudioFileReader.RawParameters? = nil
    ) throws(AudioFileError) -> DecodedAudio {
        let reader = try AudioFileReader(path: path, format: format, outputSampleRate: sampleRate, raw: raw)
        return DecodedAudio(
            sampleRate: reader.sampleRate, channels: try reader.readAllChannels(),
            fileSampleRate: reader.fileSampleRate)
    }

    /// Writes `audio` to `path` in `format` (nil: from the extension) at its own sample rate.
    public static func write(
        _ audio: DecodedAudio, to path: String, format: AudioFileFormat? = nil, compressionLevel: Double? = nil
    ) throws(AudioFileError) {
        let writer = try AudioFileWriter(
            path: path, format: format, sampleRate: audio.sampleRate, channelCount: max(1, audio.channelCount),
            compressionLevel: compressionLevel)
        if audio.channelCount > 0 { try writer.write(channels: audio.channels) }
        try writer.close()
    }
}
