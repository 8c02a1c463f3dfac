import CAlsa

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

// MARK: - Opening and negotiating (not real-time: runs once, before the audio loop)

extension PCMStream {
    /// Opens the PCM, from the private configuration file alone when one is given.
    static func open(_ direction: Direction, _ configuration: DeviceConfiguration) throws(ALSAError) -> OpaquePointer {
        let stream = direction == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        let name = configuration.name
        var pcm: OpaquePointer?
        guard let path = configuration.configFile else {
            let result = snd_pcm_open(&pcm, name, stream, 0)
            guard result >= 0, let pcm else {
                throw ALSAError.opening(result, device: name, configFile: nil, function: "snd_pcm_open")
            }
            return pcm
        }

        var config: OpaquePointer?
        let loaded = calsa_load_config_checked(path, &config)
        guard loaded.result >= 0, let config else {
            let code: ALSAError.Code
            let function: String
            if loaded.stage == CALSA_CONFIG_STAGE_OPEN {
                function = "snd_input_stdio_open"
                code = loaded.result == -ENOENT ? .configNotFound : .configUnreadable
            } else {
                function = loaded.stage == CALSA_CONFIG_STAGE_LOAD ? "snd_config_load" : "snd_config_top"
                code = loaded.result == -ENOMEM ? .outOfMemory : .badConfig
            }
            throw ALSAError(code: code, alsaCode: loaded.result, function: function, device: name, configFile: path)
        }
        defer { snd_config_delete(config) }
        let result = snd_pcm_open_lconf(&pcm, name, stream, 0, config)
        guard result >= 0, let pcm else {
            throw ALSAError.opening(result, device: name, configFile: path, function: "snd_pcm_open_lconf")
        }
        return pcm
    }

    /// Sets access, format, channels, the exact rate, and the period and buffer near what was asked;
    /// returns what the device gave.
    static func setHardwareParameters(
        _ pcm: OpaquePointer, _ configuration: DeviceConfiguration
    ) throws(ALSAError) -> (period: Int, buffer: Int) {
        let device = configuration.name
        let file = configuration.configFile
        func failure(_ result: Int32, _ function: String, _ detail: String? = nil) -> ALSAError {
            let code: ALSAError.Code
            switch -result {
            case EINVAL, ENOENT, ERANGE: code = .unsupportedParameters
            case ENOMEM: code = .outOfMemory
            case EBUSY: code = .deviceBusy
            case ENODEV, ENXIO: code = .deviceLost
            case EBADFD: code = .badState
            default: code = .ioFailed
            }
            return ALSAError(
                code: code, alsaCode: result, function: function, device: device, configFile: file, detail: detail)
        }
        guard configuration.channels > 0, configuration.sampleRate > 0, configuration.periodFrames > 0,
            configuration.bufferPeriods >= 2
        else {
            throw ALSAError(
                code: .unsupportedParameters, alsaCode: -EINVAL, function: "PCMStream.init", device: device,
                configFile: file,
                detail: "channels, sampleRate and periodFrames must be positive and bufferPeriods at least 2 "
                    + "(asked \(configuration.channels) channels, \(configuration.sampleRate) Hz, "
                    + "\(configuration.periodFrames) frames, \(configuration.bufferPeriods) periods)")
        }

        var hwOrNil: OpaquePointer?
        var result = snd_pcm_hw_params_malloc(&hwOrNil)
        guard result >= 0, let hw = hwOrNil else { throw failure(result, "snd_pcm_hw_params_malloc") }
        defer { snd_pcm_hw_params_free(hw) }

        result = snd_pcm_hw_params_any(pcm, hw)
        if result < 0 { throw failure(result, "snd_pcm_hw_params_any") }
        result = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)
        if result < 0 { throw failure(result, "snd_pcm_hw_params_set_access", "interleaved read/write access") }

        let format = configuration.format
        result = snd_pcm_hw_params_set_format(pcm, hw, format.alsaFormat)
        if result < 0 {
            let offered = SampleFormat.allCases.filter { snd_pcm_hw_params_test_format(pcm, hw, $0.alsaFormat) == 0 }
            let list =
                offered.isEmpty ? "none of S16_LE, MU_LAW, A_LAW" : offered.map(\.rawValue).joined(separator: ", ")
            throw failure(
                result, "snd_pcm_hw_params_set_format", "format \(format.rawValue); the device offers \(list)")
        }

        let channels = UInt32(clamping: configuration.channels)
        result = snd_pcm_hw_params_set_channels(pcm, hw, channels)
        if result < 0 {
            var low: UInt32 = 0
            var high: UInt32 = 0
            snd_pcm_hw_params_get_channels_min(hw, &low)
            snd_pcm_hw_params_get_channels_max(hw, &high)
            throw failure(
                result, "snd_pcm_hw_params_set_channels",
                "\(channels) channels; the device offers \(low == high ? "\(low)" : "\(low) to \(high)")")
        }

        result = snd_pcm_hw_params_set_rate_resample(pcm, hw, configuration.allowsResampling ? 1 : 0)
        if result < 0 { throw failure(result, "snd_pcm_hw_params_set_rate_resample") }
        let rate = UInt32(clamping: configuration.sampleRate)
        result = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0)
        if result < 0 {
            var low: UInt32 = 0
            var high: UInt32 = 0
            var direction: Int32 = 0
            snd_pcm_hw_params_get_rate_min(hw, &low, &direction)
            snd_pcm_hw_params_get_rate_max(hw, &high, &direction)
            throw failure(
                result, "snd_pcm_hw_params_set_rate",
                "rate \(rate) Hz exactly; the device offers \(low == high ? "\(low)" : "\(low) to \(high)") Hz"
                    + (configuration.allowsResampling ? "" : " (resampling is off)"))
        }

        var period = snd_pcm_uframes_t(configuration.periodFrames)
        var direction: Int32 = 0
        result = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &direction)
        if result < 0 {
            throw failure(
                result, "snd_pcm_hw_params_set_period_size_near", "period \(configuration.periodFrames) frames")
        }
        var buffer = period * snd_pcm_uframes_t(configuration.bufferPeriods)
        result = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer)
        if result < 0 {
            throw failure(result, "snd_pcm_hw_params_set_buffer_size_near", "buffer \(buffer) frames")
        }
        result = snd_pcm_hw_params(pcm, hw)
        if result < 0 {
            throw failure(
                result, "snd_pcm_hw_params",
                "\(format.rawValue), \(channels) channels, \(rate) Hz, period \(period), buffer \(buffer) frames")
        }

        // Read back what was installed: "near" may have moved both.
        result = snd_pcm_hw_params_get_period_size(hw, &period, &direction)
        if result < 0 { throw failure(result, "snd_pcm_hw_params_get_period_size") }
        result = snd_pcm_hw_params_get_buffer_size(hw, &buffer)
        if result < 0 { throw failure(result, "snd_pcm_hw_params_get_buffer_size") }
        return (Int(period), Int(buffer))
    }

    /// Sets `avail_min` to a period and the start threshold (playback: two periods, so that priming two
    /// periods of silence starts it; capture: the first frame read).
    static func setSoftwareParameters(
        _ pcm: OpaquePointer, _ direction: Direction, _ configuration: DeviceConfiguration, periodFrames: Int
    ) throws(ALSAError) {
        func failure(_ result: Int32, _ function: String) -> ALSAError {
            let code: ALSAError.Code = result == -ENOMEM ? .outOfMemory : .unsupportedParameters
            return ALSAError(
                code: code, alsaCode: result, function: function, device: configuration.name,
                configFile: configuration.configFile)
        }
        var swOrNil: OpaquePointer?
        var result = snd_pcm_sw_params_malloc(&swOrNil)
        guard result >= 0, let sw = swOrNil else { throw failure(result, "snd_pcm_sw_params_malloc") }
        defer { snd_pcm_sw_params_free(sw) }
        result = snd_pcm_sw_params_current(pcm, sw)
        if result < 0 { throw failure(result, "snd_pcm_sw_params_current") }
        result = snd_pcm_sw_params_set_avail_min(pcm, sw, snd_pcm_uframes_t(periodFrames))
        if result < 0 { throw failure(result, "snd_pcm_sw_params_set_avail_min") }
        let threshold = direction == .playback ? 2 * periodFrames : 1
        result = snd_pcm_sw_params_set_start_threshold(pcm, sw, snd_pcm_uframes_t(threshold))
        if result < 0 { throw failure(result, "snd_pcm_sw_params_set_start_threshold") }
        result = snd_pcm_sw_params(pcm, sw)
        if result < 0 { throw failure(result, "snd_pcm_sw_params") }
    }
}
