import DSPCore

/// What to open: an ALSA PCM name, optionally from a private configuration file, and the audio format
/// the telephony lines need. One channel carries one line.
public struct DeviceConfiguration: Sendable, Hashable {
    /// The ALSA PCM name: `"default"`, `"hw:0"`, `"plughw:0,0"`, or a name defined in ``configFile``
    /// with arguments (`"ivrfile:OUT=/tmp/o.raw,IN=/tmp/i.raw"`).
    public var name: String
    /// When set, the PCM is opened with `snd_pcm_open_lconf` from this file alone: neither
    /// `~/.asoundrc` nor the system's `alsa.conf` is read, so the file must be self-contained
    /// (`slave { pcm { type null } }`, not `slave.pcm null`). When nil, the global configuration is used.
    public var configFile: String?
    /// The number of lines the PCM carries (interleaved channels).
    public var channels: Int
    /// Frames per second, set exactly (never "near").
    public var sampleRate: Int
    /// The format on the device.
    public var format: SampleFormat
    /// The period asked for, in frames. The device may round it; ``PCMStream/periodFrames`` tells what it
    /// gave (a JACK-backed PCM rounds to a multiple of the JACK period).
    public var periodFrames: Int
    /// The ring buffer asked for, in periods (2 to 4 is usual: 40 to 80 ms at 160 frames).
    public var bufferPeriods: Int
    /// Whether alsa-lib's `plug` layer may convert the sample rate. Off by default: its default converter
    /// interpolates linearly and aliases, which costs DTMF detection, so the device must run at
    /// ``sampleRate`` itself (a `plug` may still convert format and channels).
    public var allowsResampling: Bool

    /// A configuration for `channels` lines on the PCM `name`; 8 kHz, 16-bit, 20 ms periods, 4 periods
    /// of buffer unless told otherwise.
    public init(
        name: String,
        configFile: String? = nil,
        channels: Int,
        sampleRate: Int = G711.sampleRate,
        format: SampleFormat = .s16le,
        periodFrames: Int = 160,
        bufferPeriods: Int = 4,
        allowsResampling: Bool = false
    ) {
        self.name = name
        self.configFile = configFile
        self.channels = channels
        self.sampleRate = sampleRate
        self.format = format
        self.periodFrames = periodFrames
        self.bufferPeriods = bufferPeriods
        self.allowsResampling = allowsResampling
    }

    /// The size of one interleaved frame on the device, in bytes.
    public var bytesPerFrame: Int { channels * format.bytesPerSample }
}
