import AudioIO
import Foundation
import IVRConfiguration
import PromptMixer

/// Why a run, or the loading of its menu, failed: the whole message, and its sysexits(3) status (64
/// usage, 65 bad data, 66 missing input, 74 I/O).
public struct RunError: Error, CustomStringConvertible {
    public let status: Int32
    public let description: String

    public init(status: Int32, _ description: String) {
        self.status = status
        self.description = description
    }
}

/// A menu answered live on a duplex ALSA device (`ivrmedia run`, or a program that embeds ivrmedia):
/// every line at once, with the control channel (standard input and a Unix socket), the signals
/// (SIGINT and SIGTERM end every call, SIGHUP reloads the menu) and the event sink the menu names.
///
/// `run` makes the calling thread the control thread until the run ends. It starts the audio thread
/// (``AudioLoop``) and the control channel's thread itself, and has stopped both when it returns, with
/// every call ended and every event written.
///
/// ```swift
/// import AudioIO
/// import MediaPipeline
///
/// let card = DeviceConfiguration(name: "hw:0", channels: 2)  // 8 kHz, 16-bit, 20 ms periods
/// var options = LiveRun.Options(menuPath: "menu.yaml", device: card, lineIDs: ["fxo0", "fxo1"])
/// options.controlSocket = "/run/ivrmedia.sock"
/// let outcome = try LiveRun.run(options)
/// ```
public enum LiveRun {
    public struct Options: Sendable {
        /// The menu file (YAML); SIGHUP reads it again.
        public var menuPath: String
        public var capture: DeviceConfiguration
        public var playback: DeviceConfiguration
        /// The id of each line (channel i is line i).
        public var lineIDs: [String]
        /// Start a call on every line at once, and a new one after each ends.
        public var answerAll = false
        /// Stop after this much audio, seconds.
        public var durationSeconds: Double?
        public var pacing = AudioPacing.device
        /// Answer bridged transfers this way after a ring, when no telephony side reports them.
        public var transferResult: TransferResult?
        /// Also take control lines from a Unix socket at this path (removed when the run ends).
        public var controlSocket: String?
        /// Take control lines from standard input.
        public var readsStandardInput = true
        /// Append the events to this file, whatever the menu's `logging.sink` says.
        public var eventsPath: String?

        /// Options for one PCM that both captures and plays.
        public init(menuPath: String, device: DeviceConfiguration, lineIDs: [String]) {
            self.menuPath = menuPath
            capture = device
            playback = device
            self.lineIDs = lineIDs
        }
    }

    /// Loads the menu and its prompts, opens the device, the event sink and the control channel, and
    /// runs until the duration, a terminating signal, or a device failure (thrown, 74). `report` takes
    /// the menu's warnings and problems, one line each.
    public static func run(
        _ options: Options, report: (String) -> Void = { StandardError.write($0 + "\n") }
    ) throws(RunError) -> LiveEngine<DuplexDevice>.Outcome {
        let (configuration, warnings, library) = try MenuFile.load(options.menuPath, problems: report)
        for warning in warnings { report("\(warning)") }
        let device: DuplexDevice
        do {
            device = try DuplexDevice(capture: options.capture, playback: options.playback)
        } catch {
            throw RunError(status: error.exitStatus, error.description)
        }
        let sink: EventSink
        do {
            sink = try EventSink(path: options.eventsPath, configured: configuration.logging.sink)
        } catch {
            throw RunError(status: 74, error.description)
        }
        var engineOptions = LiveEngine<DuplexDevice>.Options(lineIDs: options.lineIDs, menuPath: options.menuPath)
        engineOptions.answerAll = options.answerAll
        engineOptions.durationSeconds = options.durationSeconds
        engineOptions.pacing = options.pacing
        engineOptions.transferResult = options.transferResult
        let engine = LiveEngine(
            device: device, configuration: configuration, library: library, options: engineOptions,
            emit: sink.write)
        Signals.install()
        let channel: ControlChannel
        do {
            let submitter = EngineSubmitter(engine)
            channel = try ControlChannel(
                socketPath: options.controlSocket, standardInput: options.readsStandardInput,
                submit: { submitter.engine.submit($0) }, refused: { submitter.engine.refuse($0) })
        } catch {
            throw RunError(status: error.isUsage ? 64 : 74, error.description)
        }
        channel.start()
        let outcome = engine.run(signals: Signals.take)
        channel.stop()
        sink.flush()
        if case .deviceFailed(let error) = outcome { throw RunError(status: 74, error.description) }
        return outcome
    }
}

/// A menu file read for a run: the configuration, its warnings and its prompt library, or one error
/// after every problem has gone to `problems`. `run`, `check` and `simulate` all load their menu this way.
public enum MenuFile {
    /// A missing file is 66, an invalid one 65 (each problem said first, as `file:line:column: error:
    /// ...`); a prompt root that does not exist 66, a corrupt prompt file 65.
    public static func load(_ path: String, problems report: (String) -> Void) throws(RunError) -> (
        configuration: MenuConfiguration, warnings: [ConfigurationProblem], prompts: PromptLibrary
    ) {
        let configuration: MenuConfiguration
        let warnings: [ConfigurationProblem]
        do {
            (configuration, warnings) = try MenuConfiguration.load(path: path)
        } catch {
            for problem in error.problems { report("\(problem)") }
            let errors = error.errors.count
            throw RunError(
                status: error.isMissingFile ? 66 : 65,
                "\(path): \(errors) error\(errors == 1 ? "" : "s"); nothing was started")
        }
        do {
            return (configuration, warnings, try MenuPrompts.load(configuration))
        } catch {
            throw RunError(status: error.exitStatus, "\(configuration.path): \(error)")
        }
    }
}

/// The engine, handed to the control channel's thread.
final class EngineSubmitter: @unchecked Sendable {
    // Confinement: that thread calls only `submit` and `refuse`, which queue for the engine's control
    // loop (behind a lock of their own); everything else of the engine stays on the run's thread.
    let engine: LiveEngine<DuplexDevice>
    init(_ engine: LiveEngine<DuplexDevice>) { self.engine = engine }
}
