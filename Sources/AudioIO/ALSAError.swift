import CAlsa

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A failure of an ALSA call, with the return code alsa-lib gave, the function that gave it and the
/// device it concerned.
///
/// Building one allocates nothing when ``detail`` and ``configFile`` are nil (the function name is a
/// literal, the device name an existing string), so the audio thread can throw it with
/// `throws(ALSAError)`. ``description`` builds a message and belongs off the audio thread.
///
/// ``exitStatus`` maps the code to `sysexits.h`: a missing configuration file or device is
/// `EX_NOINPUT` (66); a configuration that is malformed or does not fit the device is `EX_DATAERR`
/// (65); everything that fails while opening or running the device is `EX_IOERR` (74).
public struct ALSAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable, CaseIterable {
        /// The configuration file given in ``DeviceConfiguration/configFile`` does not exist
        /// (`snd_input_stdio_open`: `-ENOENT`).
        case configNotFound
        /// The configuration file exists but cannot be opened (`-EACCES`, `-EISDIR`, ...).
        case configUnreadable
        /// The configuration does not parse (`snd_config_load`: `-EINVAL`), or the PCM definition is
        /// malformed (`snd_pcm_open_lconf`: `-EINVAL`, e.g. an unknown field or a missing slave).
        case badConfig
        /// The PCM name is not defined, or names something absent: no card, no device node, a file
        /// plugin's `infile` missing, no JACK server (`-ENOENT`, `-ENODEV`, `-ENXIO`).
        case noSuchDevice
        /// The device is in use by another process (`-EBUSY`).
        case deviceBusy
        /// The device node or a file the plugin needs is not accessible (`-EACCES`, `-EPERM`).
        case permissionDenied
        /// Opening failed for another reason (the ``alsaCode`` tells which).
        case openFailed
        /// The device refuses the access, format, channel count, rate, period or buffer asked for
        /// (`snd_pcm_hw_params_set_*` / `snd_pcm_hw_params` / `snd_pcm_sw_params`: `-EINVAL`).
        case unsupportedParameters
        /// A ``DuplexDevice``'s capture and playback configurations ask for different channel counts.
        case channelMismatch
        /// A ``DuplexDevice``'s two streams negotiated different periods.
        case periodMismatch
        /// Playback ran dry (`-EPIPE` on a playback stream) and could not be recovered.
        case underrun
        /// Capture overflowed (`-EPIPE` on a capture stream) and could not be recovered.
        case overrun
        /// The system suspended the device (`-ESTRPIPE`) and it could not be resumed or prepared.
        case suspended
        /// A blocking call was interrupted by a signal (`-EINTR`) and could not be resumed.
        case interrupted
        /// The device went away: unplugged, driver unbound, JACK server gone (`-ENODEV`, `-ENOTTY`
        /// while running).
        case deviceLost
        /// The stream is not in a state for this call: closed, not prepared, or already running
        /// (`-EBADFD`).
        case badState
        /// A non-blocking stream had nothing to transfer (`-EAGAIN`); the streams here block, so this
        /// means a device that ignored blocking mode.
        case wouldBlock
        /// alsa-lib ran out of memory (`-ENOMEM`).
        case outOfMemory
        /// Any other failure of an I/O call (`-EIO` and codes alsa-lib does not document).
        case ioFailed
    }

    /// What went wrong.
    public var code: Code
    /// The negative value the alsa-lib function returned (an `-errno`).
    public var alsaCode: Int32
    /// The alsa-lib function (or, for checks of ours, the type and method) that failed.
    public var function: String
    /// The PCM name, as in ``DeviceConfiguration/name``.
    public var device: String
    /// The configuration file the device was read from, when there was one.
    public var configFile: String?
    /// What was asked and what the device offers, when known (`"rate 12345 Hz; the device offers
    /// 8000 Hz"`). Nil on the audio thread.
    public var detail: String?

    /// An error with every field given.
    public init(
        code: Code, alsaCode: Int32, function: String, device: String = "", configFile: String? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.alsaCode = alsaCode
        self.function = function
        self.device = device
        self.configFile = configFile
        self.detail = detail
    }

    /// The `sysexits.h` status a command should exit with: 66 (`EX_NOINPUT`) for a missing or
    /// unreadable configuration file or device, 65 (`EX_DATAERR`) for a configuration that is malformed
    /// or does not fit the device, 74 (`EX_IOERR`) for a failure to open or run the device.
    public var exitStatus: Int32 {
        switch code {
        case .configNotFound, .configUnreadable, .noSuchDevice: return 66
        case .badConfig, .unsupportedParameters, .channelMismatch, .periodMismatch: return 65
        case .deviceBusy, .permissionDenied, .openFailed, .underrun, .overrun, .suspended, .interrupted,
            .deviceLost, .badState, .wouldBlock, .outOfMemory, .ioFailed:
            return 74
        }
    }

    /// alsa-lib's text for ``alsaCode`` (`snd_strerror`).
    public var alsaMessage: String {
        String(cString: snd_strerror(alsaCode))
    }

    /// One line: the device (and configuration file), the function, alsa-lib's diagnosis with its code,
    /// what was asked when known, and what to do.
    public var description: String {
        var text = "ALSA device '\(device)'"
        if let configFile { text += " (configuration \(configFile))" }
        text += ": \(function) failed: \(alsaMessage) (\(alsaCode))"
        if let detail { text += ": \(detail)" }
        return text + ". " + advice
    }

    /// What to do about it.
    var advice: String {
        switch code {
        case .configNotFound: return "Create the configuration file or correct its path."
        case .configUnreadable: return "Make the configuration file readable by this user."
        case .badConfig:
            return "Correct the ALSA configuration (alsa-lib printed the line on standard error); "
                + "a private configuration must be self-contained."
        case .noSuchDevice:
            return "Check the PCM name (aplay -L lists the defined ones), the card, a file plugin's infile, "
                + "or that the JACK server is running."
        case .deviceBusy: return "Another process holds the device; stop it or use another PCM."
        case .permissionDenied: return "Give this user access to the device (the audio group) or the files."
        case .openFailed: return "The device could not be opened; check it with aplay -D or arecord -D."
        case .unsupportedParameters:
            return "Ask for what the device offers, or put a plug PCM in front of it to convert."
        case .channelMismatch: return "Capture and playback must carry the same number of lines."
        case .periodMismatch: return "Ask both directions for the same period, one the device accepts."
        case .underrun, .overrun:
            return "The audio loop fell behind and recovery failed; reopen the device."
        case .suspended: return "The device was suspended and could not be resumed; reopen it."
        case .interrupted: return "A signal interrupted the call; retry it."
        case .deviceLost: return "The device is gone; reopen it once it is back."
        case .badState: return "The stream is closed or not started; open and start it first."
        case .wouldBlock: return "Open the device in blocking mode."
        case .outOfMemory: return "Free memory and retry."
        case .ioFailed: return "The device reported an I/O error; reopen it."
        }
    }

    // MARK: - Mapping alsa-lib return codes

    /// Maps a negative return of `snd_pcm_open`/`snd_pcm_open_lconf`.
    static func opening(_ result: Int32, device: String, configFile: String?, function: String) -> ALSAError {
        let code: Code
        switch -result {
        case ENOENT, ENODEV, ENXIO: code = .noSuchDevice
        case EBUSY, EAGAIN: code = .deviceBusy
        case EACCES, EPERM: code = .permissionDenied
        case EINVAL: code = namesAbsentCard(device) ? .noSuchDevice : .badConfig
        case ENOMEM: code = .outOfMemory
        default: code = .openFailed
        }
        return ALSAError(code: code, alsaCode: result, function: function, device: device, configFile: configFile)
    }

    /// Whether `device` is a `hw:` or `plughw:` name whose card (`hw:99`, `hw:99,0`, `hw:CARD=x`) is not
    /// present: alsa-lib answers such a name with `-EINVAL` when the index is out of range, which is a
    /// missing device, not a malformed configuration.
    static func namesAbsentCard(_ device: String) -> Bool {
        guard let colon = device.firstIndex(of: ":"), ["hw", "plughw"].contains(device[..<colon]) else {
            return false
        }
        var card = device[device.index(after: colon)...].prefix { $0 != "," }
        if card.hasPrefix("CARD=") { card = card.dropFirst(5) }
        return !card.isEmpty && snd_card_get_index(String(card)) < 0
    }

    /// Maps a negative return of `snd_pcm_readi`, `snd_pcm_writei`, `snd_pcm_start`, `snd_pcm_recover`,
    /// `snd_pcm_prepare` or `snd_pcm_drain` on a stream of `direction`.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inline(__always)
    static func running(
        _ result: Int32, direction: PCMStream.Direction, device: String, function: String
    ) -> ALSAError {
        let code: Code
        switch -result {
        case EPIPE: code = direction == .playback ? .underrun : .overrun
        case ESTRPIPE: code = .suspended
        case EINTR: code = .interrupted
        case ENODEV, ENOTTY, ENXIO, ESHUTDOWN: code = .deviceLost
        case EBADFD: code = .badState
        case EAGAIN: code = .wouldBlock
        case ENOMEM: code = .outOfMemory
        default: code = .ioFailed
        }
        return ALSAError(code: code, alsaCode: result, function: function, device: device)
    }
}
