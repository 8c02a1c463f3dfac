import ArgumentParser
import AudioIO
import Foundation
import IVRConfiguration
import MediaPipeline
import Synchronization

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer calls live on an ALSA sound or telephony card, every line at once.",
        discussion: """
            One multichannel PCM carries the lines (channel i is line i), or --capture and --playback name \
            two PCMs. Per line: the DTMF receiver, the menu's router and the prompt mixer. Calls start and \
            end on the control channel (JSON lines on standard input, and on a Unix socket with --control): \
            {"event":"call_started","line":"fxo0","caller":"+79001234567","did":"505"}, \
            {"event":"call_ended","line":"fxo0"}, {"event":"transfer_result","line":"fxo0","result":"busy"}; \
            or --answer-all answers every line at once and again after each hang-up. A control line over \
            64 KiB is refused (control_error) and the socket serves 64 clients at once. Events go out as JSON \
            lines; when they cannot be written (a full disk) the run goes on and standard error says so. \
            SIGINT and SIGTERM end every call cleanly; SIGHUP reloads the menu (a bad file, or one whose \
            prompts have no file, keeps the old one). A lost device ends the run with exit status 74.
            """
    )

    @Option(help: "The menu file (YAML).")
    var menu: String

    @Option(help: "The PCM for both capture and playback.")
    var device: String?

    @Option(help: "The capture PCM (with --playback, instead of --device).")
    var capture: String?

    @Option(help: "The playback PCM.")
    var playback: String?

    @Option(help: "Open the PCMs from this ALSA configuration file alone (not ~/.asoundrc or the system's).")
    var alsaConfig: String?

    @Option(help: "Lines on the PCM (default: the number of --line-ids, else 1).")
    var channels: Int?

    @Option(help: "Line ids, comma-separated (default line0, line1, ...).")
    var lineIds: String?

    @Option(help: "The device's sample format: S16_LE, MU_LAW or A_LAW (G.711 coded by ivrmedia).")
    var format: String = "S16_LE"

    @Option(help: "The period asked of the device, ms (it may round it).")
    var periodMs: Int = 20

    // Unconditional, so that a negative value is read as a value (and refused by run) rather than taken
    // for an option.
    @Option(parsing: .unconditional, help: "End after this much audio, seconds.")
    var duration: Double?

    @Option(help: "Also take control lines from a Unix socket at this path.")
    var control: String?

    @Flag(help: "Start a call on every line at once, and a new one after each hang-up.")
    var answerAll = false

    @Option(help: "Write the events to this file (appended), whatever the menu's logging.sink says.")
    var events: String?

    @Option(
        help: """
            What keeps time: device (a sound card, JACK), clock (20 ms a period, for devices that do not, \
            such as ALSA's file plugin), lockstep (as fast as possible with every decision on time: tests \
            and offline runs).
            """)
    var pacing: String = "device"

    @Option(help: "Answer bridged transfers this way (ok, busy, noanswer, failed) when no telephony side does.")
    var transferResult: String?

    func run() throws {
        guard let sampleFormat = SampleFormat(rawValue: format) else {
            throw CLIError(.usage, "--format must be S16_LE, MU_LAW or A_LAW, not \"\(format)\"")
        }
        guard (device != nil) != (capture != nil || playback != nil), (capture == nil) == (playback == nil) else {
            throw CLIError(.usage, "give --device, or both --capture and --playback")
        }
        guard let audioPacing = AudioPacing(rawValue: pacing) else {
            throw CLIError(.usage, "--pacing must be device, clock or lockstep, not \"\(pacing)\"")
        }
        guard (5...200).contains(periodMs) else { throw CLIError(.usage, "--period-ms must be 5...200") }
        var automatic: TransferResult?
        if let transferResult {
            guard let result = TransferResult(rawValue: transferResult) else {
                throw CLIError(.usage, "--transfer-result must be ok, busy, noanswer or failed")
            }
            automatic = result
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw CLIError(.usage, "--duration must be a positive number of seconds, not \(duration)")
        }
        var ids =
            lineIds?.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: .whitespaces) } ?? []
        if ids.contains("") { throw CLIError(.usage, "--line-ids \"\(lineIds ?? "")\" has an empty line id") }
        if let repeated = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw CLIError(.usage, "--line-ids names line \"\(repeated)\" more than once")
        }
        let lineCount = channels ?? max(ids.count, 1)
        guard lineCount >= 1, lineCount <= 256 else { throw CLIError(.usage, "--channels must be 1...256") }
        if ids.isEmpty { ids = (0..<lineCount).map { "line\($0)" } }
        guard ids.count == lineCount else {
            throw CLIError(.usage, "--line-ids names \(ids.count) lines but --channels is \(lineCount)")
        }
        if let alsaConfig {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: alsaConfig, isDirectory: &isDirectory) else {
                throw CLIError(.noInput, "\(alsaConfig): no such ALSA configuration file")
            }
            if isDirectory.boolValue {
                throw CLIError(.noInput, "\(alsaConfig): is a directory, not an ALSA configuration file (--alsa-config)")
            }
        }

        func pcm(_ name: String) -> DeviceConfiguration {
            DeviceConfiguration(
                name: name, configFile: alsaConfig, channels: lineCount, format: sampleFormat,
                periodFrames: periodMs * 8)
        }
        var options = LiveRun.Options(menuPath: menu, device: pcm(capture ?? device!), lineIDs: ids)
        options.playback = pcm(playback ?? device!)
        options.answerAll = answerAll
        options.durationSeconds = duration
        options.pacing = audioPacing
        options.transferResult = automatic
        options.controlSocket = control
        options.eventsPath = events
        do {
            _ = try LiveRun.run(options)
        } catch {
            throw CLIError(error)
        }
    }
}
