import AudioIO
import Foundation
import Testing

/// Failures to open or configure, through real alsa-lib: each maps to a code and a description that
/// names the device and the function.
@Suite("ALSAError from real alsa-lib")
struct ALSAErrorTests {
    /// Opens `name` from a private configuration holding `text` and returns the error.
    func openError(
        _ text: String, name: String, direction: PCMStream.Direction = .capture, channels: Int = 1,
        rate: Int = 8000, allowsResampling: Bool = false
    ) throws -> ALSAError? {
        let directory = try TemporaryDirectory()
        let path = try directory.write(text, to: "asound.conf")
        let configuration = DeviceConfiguration(
            name: name, configFile: path, channels: channels, sampleRate: rate, allowsResampling: allowsResampling)
        return #expect(throws: ALSAError.self) { try PCMStream(direction, configuration) }
    }

    /// The description names the device and the function, and says what alsa-lib said.
    func expectDescribed(_ error: ALSAError?, device: String, function: String) {
        guard let error else { return }
        #expect(error.function == function)
        #expect(error.description.contains("'\(device)'"))
        #expect(error.description.contains(function))
        #expect(error.description.contains(error.alsaMessage))
    }

    @Test("a missing configuration file is configNotFound, naming the file (exit 66)")
    func missingConfigFile() {
        let path = "/nonexistent/ivrmedia/asound.conf"
        let configuration = DeviceConfiguration(name: "ivrtest", configFile: path, channels: 1)
        let error = #expect(throws: ALSAError.self) { try PCMStream(.capture, configuration) }
        #expect(error?.code == .configNotFound)
        #expect(error?.alsaCode == -ENOENT)
        #expect(error?.exitStatus == 66)
        #expect(error?.description.contains(path) == true)
        expectDescribed(error, device: "ivrtest", function: "snd_input_stdio_open")
    }

    @Test("a configuration with a syntax error is badConfig (exit 65)")
    func syntaxError() throws {
        let error = try openError("pcm.ivrtest { type file \n slave { pcm { type null }", name: "ivrtest")
        #expect(error?.code == .badConfig)
        #expect(error?.exitStatus == 65)
        expectDescribed(error, device: "ivrtest", function: "snd_config_load")
    }

    @Test("an unknown PCM name is noSuchDevice (exit 66)")
    func unknownName() throws {
        let text = ALSAConfigFile.fileDevice(name: "ivrtest", captureFile: "/dev/zero", playbackFile: "/dev/null")
        let error = try openError(text, name: "nosuchpcm")
        #expect(error?.code == .noSuchDevice)
        #expect(error?.exitStatus == 66)
        expectDescribed(error, device: "nosuchpcm", function: "snd_pcm_open_lconf")
    }

    @Test("a hw device with no card behind it is noSuchDevice")
    func noCard() throws {
        let error = try openError("pcm.card31 { type hw card 31 }", name: "card31")
        #expect(error?.code == .noSuchDevice)
        expectDescribed(error, device: "card31", function: "snd_pcm_open_lconf")
    }

    @Test("a file plugin whose infile is missing is noSuchDevice")
    func missingInfile() throws {
        let text = ALSAConfigFile.fileDevice(
            name: "ivrtest", captureFile: "/nonexistent/cap.raw", playbackFile: "/dev/null")
        let error = try openError(text, name: "ivrtest")
        #expect(error?.code == .noSuchDevice)
    }

    @Test("a PCM definition with an unknown field is badConfig")
    func badDefinition() throws {
        let error = try openError("pcm.ivrtest { type null rate 8000 }", name: "ivrtest")
        #expect(error?.code == .badConfig)
        expectDescribed(error, device: "ivrtest", function: "snd_pcm_open_lconf")
    }

    /// A plug over a null slave held at 8 kHz: it could convert the rate, but resampling is off.
    static let fixedRate = "pcm.fixed8k { type plug slave { pcm { type null } rate 8000 } }"

    @Test("a rate the device cannot run at is unsupportedParameters, saying what it offers")
    func impossibleRate() throws {
        let error = try openError(Self.fixedRate, name: "fixed8k", rate: 12345)
        #expect(error?.code == .unsupportedParameters)
        #expect(error?.exitStatus == 65)
        #expect(error?.detail?.contains("12345") == true)
        #expect(error?.detail?.contains("8000") == true)
        expectDescribed(error, device: "fixed8k", function: "snd_pcm_hw_params_set_rate")

        // The same rate opens when the plug may resample.
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.fixedRate, to: "asound.conf")
        let stream = try PCMStream(
            .playback,
            DeviceConfiguration(
                name: "fixed8k", configFile: path, channels: 1, sampleRate: 12345, allowsResampling: true))
        #expect(stream.configuration.sampleRate == 12345)
    }

    @Test("nonsense parameters are refused before alsa-lib is asked")
    func nonsenseParameters() throws {
        let text = ALSAConfigFile.fileDevice(name: "ivrtest", captureFile: "/dev/zero", playbackFile: "/dev/null")
        let error = try openError(text, name: "ivrtest", channels: 0)
        #expect(error?.code == .unsupportedParameters)
        expectDescribed(error, device: "ivrtest", function: "PCMStream.init")
    }

    @Test("a duplex pair with different channel counts is channelMismatch")
    func channelMismatch() throws {
        let directory = try TemporaryDirectory()
        let text = ALSAConfigFile.fileDevice(name: "ivrtest", captureFile: "/dev/zero", playbackFile: "/dev/null")
        let path = try directory.write(text, to: "asound.conf")
        let capture = DeviceConfiguration(name: "ivrtest", configFile: path, channels: 2)
        let playback = DeviceConfiguration(name: "ivrtest", configFile: path, channels: 4)
        let error = #expect(throws: ALSAError.self) { try DuplexDevice(capture: capture, playback: playback) }
        #expect(error?.code == .channelMismatch)
        #expect(error?.detail?.contains("2") == true && error?.detail?.contains("4") == true)
        expectDescribed(error, device: "ivrtest", function: "DuplexDevice.init")
    }

    @Test("a duplex pair whose periods come out different is periodMismatch")
    func periodMismatch() throws {
        let directory = try TemporaryDirectory()
        let text = ALSAConfigFile.fileDevice(name: "ivrtest", captureFile: "/dev/zero", playbackFile: "/dev/null")
        let path = try directory.write(text, to: "asound.conf")
        let capture = DeviceConfiguration(name: "ivrtest", configFile: path, channels: 2, periodFrames: 160)
        let playback = DeviceConfiguration(name: "ivrtest", configFile: path, channels: 2, periodFrames: 320)
        let error = #expect(throws: ALSAError.self) { try DuplexDevice(capture: capture, playback: playback) }
        #expect(error?.code == .periodMismatch)
        #expect(error?.detail?.contains("160") == true && error?.detail?.contains("320") == true)
        expectDescribed(error, device: "ivrtest", function: "DuplexDevice.init")
    }

    @Test("every code has an exit status in 65, 66, 74 and a piece of advice", arguments: ALSAError.Code.allCases)
    func everyCodeIsDescribed(code: ALSAError.Code) {
        let error = ALSAError(code: code, alsaCode: -EIO, function: "snd_pcm_readi", device: "hw:0")
        #expect([65, 66, 74].contains(error.exitStatus))
        #expect(error.description.hasPrefix("ALSA device 'hw:0': snd_pcm_readi failed: "))
        #expect(error.description.count > "ALSA device 'hw:0': snd_pcm_readi failed: ".count + 20)
    }
}
