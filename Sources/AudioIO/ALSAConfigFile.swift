/// Self-contained ALSA configurations for tests and demos, to open with
/// ``DeviceConfiguration/configFile`` (`snd_pcm_open_lconf`): they define every PCM they use inline and
/// read nothing global.
public enum ALSAConfigFile {
    /// An `asym` PCM `name` over the file plugin with null slaves: capture reads raw frames from
    /// `captureFile` (it must exist; `"/dev/zero"` gives endless silence), playback writes raw frames to
    /// `playbackFile` (complete once the stream is drained or closed). The capture side tees into
    /// `/dev/null`, so the two directions never overwrite each other's output.
    ///
    /// No pacing: reads and writes return at once. The files carry the device format (S16_LE, MU_LAW
    /// or A_LAW bytes), frames interleaved.
    public static func fileDevice(name: String, captureFile: String, playbackFile: String) -> String {
        """
        pcm.\(name) {
            type asym
            playback.pcm {
                type file
                slave { pcm { type null } }
                file \(quoted(playbackFile))
                format "raw"
            }
            capture.pcm {
                type file
                slave { pcm { type null } }
                file "/dev/null"
                infile \(quoted(captureFile))
                format "raw"
            }
        }

        """
    }

    /// Like ``fileDevice(name:captureFile:playbackFile:)``, but paced in real time by a JACK server: the
    /// file plugin sits on a `plug` (which converts to JACK's float samples) over a `type jack` PCM with
    /// `channels` ports, port i connected to `system:capture_k`/`system:playback_k` with
    /// k = i mod `systemPorts` + 1. The data stay exact (they come from and go to the files); the timing
    /// is the server's (`jackd --no-realtime -d dummy -r 8000 -p 160 -C 8 -P 8` gives 20 ms periods, and
    /// the PCM's period is rounded to a multiple of the server's).
    ///
    /// Needs libasound2-plugins (the jack plugin) and a running server; set `JACK_NO_START_SERVER=1` so
    /// that opening never spawns one, and `JACK_DEFAULT_SERVER` to reach a server started with `-n`.
    public static func jackPaced(
        name: String, captureFile: String, playbackFile: String, channels: Int, systemPorts: Int = 8
    ) -> String {
        precondition(channels > 0 && systemPorts > 0, "ALSAConfigFile.jackPaced: channels and ports must be positive")
        let jackName = "\(name)_jack"
        let playbackPorts = (0..<channels).map { "\($0) system:playback_\($0 % systemPorts + 1)" }
        let capturePorts = (0..<channels).map { "\($0) system:capture_\($0 % systemPorts + 1)" }
        return """
            pcm.\(jackName) {
                type jack
                playback_ports { \(playbackPorts.joined(separator: " ")) }
                capture_ports { \(capturePorts.joined(separator: " ")) }
            }
            pcm.\(name) {
                type asym
                playback.pcm {
                    type file
                    slave { pcm { type plug slave.pcm "\(jackName)" } }
                    file \(quoted(playbackFile))
                    format "raw"
                }
                capture.pcm {
                    type file
                    slave { pcm { type plug slave.pcm "\(jackName)" } }
                    file "/dev/null"
                    infile \(quoted(captureFile))
                    format "raw"
                }
            }

            """
    }

    /// `text` as an ALSA configuration string: in double quotes, with `\` and `"` escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\\" || character == "\"" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
