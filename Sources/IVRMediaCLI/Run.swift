import ArgumentParser
import AudioIO
import Foundation
import IVRRouting
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
            or --answer-all answers every line at once and again after each hang-up. Events go out as JSON \
            lines. SIGINT and SIGTERM end every call cleanly; SIGHUP reloads the menu (a bad file keeps the \
            old one). A lost device ends the run with exit status 74.
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

        let (configuration, warnings) = try MenuFile.load(menu)
        for warning in warnings { StandardError.write("\(warning)\n") }
        let library = try MenuFile.prompts(configuration)

        func pcm(_ name: String) -> DeviceConfiguration {
            DeviceConfiguration(
                name: name, configFile: alsaConfig, channels: lineCount, format: sampleFormat,
                periodFrames: periodMs * 8)
        }
        let duplex: DuplexDevice
        do {
            duplex = try DuplexDevice(capture: pcm(capture ?? device!), playback: pcm(playback ?? device!))
        } catch {
            throw CLIError(ExitStatus(rawValue: error.exitStatus) ?? .ioError, error.description)
        }

        let sink = try EventSink(path: events, configured: configuration.logging.sink)
        var options = LiveEngine<DuplexDevice>.Options(lineIDs: ids, menuPath: menu)
        options.answerAll = answerAll
        options.durationSeconds = duration
        options.pacing = audioPacing
        options.transferResult = automatic
        let engine = LiveEngine(
            device: duplex, configuration: configuration, library: library, options: options, emit: sink.write)
        Signals.install()
        ControlReader.standardInput(engine)
        if let control { try ControlReader.socket(at: control, engine) }
        let outcome = engine.run(signals: Signals.take)
        if let control { unlink(control) }
        sink.flush()
        if case .deviceFailed(let error) = outcome {
            throw CLIError(.ioError, error.description)
        }
    }
}

/// The event log's destination: `--events PATH`, else the menu's `logging.sink`: `stdout` (the default),
/// `file:PATH` (appended), or `syslog:FACILITY` (each event a message to the local syslog daemon through
/// /dev/log, tag `ivrmedia`; standard output when there is no syslog daemon, said once on standard error).
final class EventSink: @unchecked Sendable {
    // Confinement: written from the control thread only.
    private let handle: FileHandle?
    private let syslogSocket: Int32
    private let priority: Int

    init(path: String?, configured: String?) throws {
        if let path {
            (handle, syslogSocket, priority) = (try Self.append(path), -1, 0)
            return
        }
        guard let configured, configured != "stdout" else {
            (handle, syslogSocket, priority) = (FileHandle.standardOutput, -1, 0)
            return
        }
        if configured.hasPrefix("file:") {
            (handle, syslogSocket, priority) = (try Self.append(String(configured.dropFirst(5))), -1, 0)
            return
        }
        let facility = Self.facilities[String(configured.dropFirst(7))] ?? 16  // local0
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in "/dev/log".utf8.enumerated() { raw[i] = byte }
        }
        let connected =
            fd >= 0
            && withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            } == 0
        guard connected else {
            if fd >= 0 { close(fd) }
            StandardError.write("ivrmedia: no syslog daemon (/dev/log): events go to standard output\n")
            (handle, syslogSocket, priority) = (FileHandle.standardOutput, -1, 0)
            return
        }
        (handle, syslogSocket, priority) = (nil, fd, facility * 8 + 6)  // informational
    }

    static let facilities: [String: Int] = [
        "user": 1, "daemon": 3, "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20,
        "local5": 21, "local6": 22, "local7": 23,
    ]

    static func append(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CLIError(.ioError, "\(path): cannot create the events file")
            }
        }
        guard let file = FileHandle(forWritingAtPath: path) else {
            throw CLIError(.ioError, "\(path): cannot open the events file for writing")
        }
        file.seekToEndOfFile()
        return file
    }

    func write(_ line: String) {
        if let handle {
            handle.write(Data((line + "\n").utf8))
        } else {
            let message = Array("<\(priority)>ivrmedia: \(line)".utf8)
            _ = message.withUnsafeBytes { send(syslogSocket, $0.baseAddress, $0.count, 0) }
        }
    }

    func flush() { try? handle?.synchronize() }
}

/// SIGINT, SIGTERM and SIGHUP, noted by an async-signal-safe handler and taken by the control loop.
enum Signals {
    static let pending = Atomic<UInt32>(0)

    static func install() {
        // A parent may have started us with these blocked (the mask is inherited across exec): take
        // them on this thread whatever it was.
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        // A reader of the events that goes away must not kill the run: writes fail instead.
        signal(SIGPIPE, SIG_IGN)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { number in
                _ = Signals.pending.bitwiseOr(UInt32(1) << UInt32(number), ordering: .relaxed)
            }
        }
    }

    /// The next pending signal (terminating ones first), or nil.
    static func take() -> Int32? {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            let bit = UInt32(1) << UInt32(signalNumber)
            if pending.bitwiseAnd(~bit, ordering: .relaxed).oldValue & bit != 0 { return signalNumber }
        }
        return nil
    }
}

/// Control lines from standard input and a Unix socket, each on a thread of its own.
enum ControlReader {
    static func standardInput(_ engine: LiveEngine<DuplexDevice>) {
        let box = EngineBox(engine)
        let thread = Thread {
            while let line = readLine() {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { box.engine.submit(line) }
            }
        }
        thread.start()
    }

    static func socket(at path: String, _ engine: LiveEngine<DuplexDevice>) throws {
        unlink(path)
        let fd = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError(.ioError, "\(path): socket() failed: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw CLIError(.usage, "\(path): the socket path is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            throw CLIError(.ioError, "\(path): cannot listen: \(String(cString: strerror(errno)))")
        }
        let box = EngineBox(engine)
        Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                Thread {
                    let handle = FileHandle(fileDescriptor: client, closeOnDealloc: true)
                    var pending = Data()
                    while true {
                        let chunk = handle.availableData
                        if chunk.isEmpty { break }
                        pending.append(chunk)
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                            pending.removeSubrange(pending.startIndex...newline)
                            if !line.trimmingCharacters(in: .whitespaces).isEmpty { box.engine.submit(line) }
                        }
                    }
                }.start()
            }
        }.start()
    }
}

/// The engine, handed to the reader threads (they only call `submit`, which is thread-safe).
final class EngineBox: @unchecked Sendable {
    let engine: LiveEngine<DuplexDevice>
    init(_ engine: LiveEngine<DuplexDevice>) { self.engine = engine }
}
