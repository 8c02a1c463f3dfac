import AudioIO
import DSPCore
import Foundation
import IVRCalendar
import IVRConfiguration
import IVRRouting
import PromptMixer
import Synchronization

/// The live IVR on a duplex device (`ivrmedia run`): one audio thread runs every line's receiver and
/// mixer (`AudioLoop`), and the calling thread is the control plane: calls (`CallSession`, one per line),
/// timers on the audio clock, the control channel, signals, reloads and the event log.
///
/// The two threads meet only in two single-producer single-consumer rings and a few atomics.
public final class LiveEngine<Device: DuplexAudio> {
    public struct Options: Sendable {
        /// The id of each line (channel i is line i).
        public var lineIDs: [String]
        /// Start a call on every line at once, and a new one after each ends.
        public var answerAll = false
        /// Stop after this much audio, seconds.
        public var durationSeconds: Double?
        /// What keeps time: the device, the clock (devices that do not), or lockstep with the control
        /// thread (tests and offline runs).
        public var pacing = AudioPacing.device
        /// Answer bridged transfers this way after a ring, when no telephony side reports them.
        public var transferResult: TransferResult?
        /// The menu file, for reloads.
        public var menuPath: String

        public init(lineIDs: [String], menuPath: String) {
            self.lineIDs = lineIDs
            self.menuPath = menuPath
        }
    }

    /// How the run ended.
    public enum Outcome: Sendable, Equatable {
        case finished
        case signalled(Int32)
        case deviceFailed(ALSAError)
    }

    let options: Options
    let loop: AudioLoop<Device>
    var configuration: MenuConfiguration
    var library: PromptLibrary
    /// The library of the mixer installed on each line.
    var lineLibrary: [UInt64]
    var sessions: [CallSession?]
    var ticketCounter: TicketCounter?
    var callCount = 0
    let emit: (String) -> Void
    let control = ControlInbox()

    /// Prepares the engine; allocates the audio loop's buffers and every line's mixer.
    public init(
        device: Device, configuration: MenuConfiguration, library: PromptLibrary, options: Options,
        emit: @escaping (String) -> Void
    ) {
        precondition(options.lineIDs.count == device.channels, "one line id per channel")
        self.options = options
        self.configuration = configuration
        self.library = library
        self.emit = emit
        let mixers = (0..<device.channels).map { _ in MixerBox(LineMixer(library: library, voiceCapacity: 4)) }
        loop = AudioLoop(
            device: device, mixers: mixers, durationSeconds: options.durationSeconds, pacing: options.pacing)
        lineLibrary = [UInt64](repeating: library.identifier, count: device.channels)
        sessions = [CallSession?](repeating: nil, count: device.channels)
    }

    /// The control channel: JSON lines `{"event":"call_started","line":"fxo0","caller":"…","did":"…"}`,
    /// `{"event":"call_ended","line":"fxo0"}`, `{"event":"transfer_result","line":"fxo0","result":"busy"}`.
    /// Any thread may submit; the control loop takes them in order. Only the control loop reads them:
    /// the audio thread never waits on the control channel.
    public func submit(_ line: String) { control.append(.line(line)) }

    /// A control line the channel refused before it could be submitted (too long): the control loop
    /// writes it as a `control_error` event, as it does for a line it cannot parse.
    public func refuse(_ message: String) { control.append(.refused(message)) }

    /// Runs until the duration is reached, a signal ends it (`signals` polled between periods), or the
    /// device fails. Every call still up gets its `call_end`; the events are all written.
    public func run(signals: () -> Int32?) -> Outcome {
        // The first calls start before the audio does, so that their first prompts start with it.
        if options.answerAll {
            for line in 0..<sessions.count {
                startCall(line: line, info: Router.CallInfo(line: options.lineIDs[line]), at: 0)
            }
        }
        for item in control.take() { handleControl(item, at: 0) }
        tick(at: 0)
        let thread = Thread { [loop] in loop.run() }
        thread.name = "ivrmedia-audio"
        thread.stackSize = 1 << 20
        thread.start()
        var outcome = Outcome.finished
        var stopping = false
        var acknowledged: Int64 = -1
        while true {
            // The clock first: every event of the periods up to it is already in the ring (the audio
            // thread posts a period's events before it advances the clock).
            let now = loop.clock.load(ordering: .acquiring)
            if options.pacing == .lockstep, now == acknowledged, !loop.finished.load(ordering: .acquiring) {
                // Lockstep: wait for the next whole period (its events are all posted before its clock).
                sched_yield()
                continue
            }
            acknowledged = now
            var stoppedEvent: (Int64, ALSAError?)?
            while let event = loop.events.pop() {
                if case .stopped(let sample, let error) = event {
                    stoppedEvent = (sample, error)
                } else {
                    handle(event)
                }
            }
            for item in control.take() { handleControl(item, at: now) }
            if !stopping, let signal = signals() {
                if signal == SIGHUP {
                    reload(at: now)
                } else {
                    outcome = .signalled(signal)
                    stopping = true
                    loop.stopRequested.store(true, ordering: .relaxed)
                }
            }
            tick(at: now)
            loop.acknowledged.store(now, ordering: .releasing)
            if let (sample, error) = stoppedEvent {
                if let error { outcome = .deviceFailed(error) }
                let cause: String
                switch outcome {
                case .finished: cause = "end_of_run"
                case .signalled: cause = "shutdown"
                case .deviceFailed: cause = "device_lost"
                }
                if let error { writeEngine("device_error", [LogField("message", .string(error.description))]) }
                let dropped = loop.droppedEvents.load(ordering: .relaxed)
                if dropped > 0 {
                    // Never expected (the ring holds thousands); said rather than lost silently.
                    writeEngine("events_dropped", [LogField("count", .int(dropped))])
                }
                for line in sessions.indices { endCall(line: line, at: sample, cause: cause) }
                var summary = [LogField("cause", .string(cause)), LogField("sample", .int(Int(sample)))]
                if options.pacing == .clock {
                    summary.append(LogField("late_periods", .int(loop.latePeriods.load(ordering: .relaxed))))
                }
                writeEngine("run_end", summary)
                break
            }
            if options.pacing == .lockstep {
                sched_yield()
            } else {
                usleep(2000)
            }
        }
        thread.cancel()
        while !loop.finished.load(ordering: .acquiring) { usleep(1000) }
        return outcome
    }

    // MARK: - Calls

    func startCall(line: Int, info: Router.CallInfo, at sample: Int64? = nil) {
        let now = sample ?? loop.clock.load(ordering: .acquiring)
        if lineLibrary[line] != library.identifier {
            // A reload brought new prompts: the line gets a mixer of the new library for its next call.
            _ = loop.commands.push(.replaceMixer(line: line, MixerBox(LineMixer(library: library, voiceCapacity: 4))))
            lineLibrary[line] = library.identifier
        }
        callCount += 1
        // Whole milliseconds, so that `t_ms` (sample times from here) is exact.
        let date = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let lineID = options.lineIDs[line]
        let ticket = CallSession.ticket(configuration, counter: &ticketCounter, at: date, line: lineID)
        var session = CallSession(
            configuration: configuration, library: library, callID: "\(lineID)-\(callCount)", ticket: ticket,
            line: lineID, startSample: now, startDate: date, automaticTransferResult: options.transferResult,
            emit: emit)
        session.start(Router.CallInfo(line: lineID, did: info.did, caller: info.caller))
        sessions[line] = session
        flush(line: line)
    }

    func endCall(line: Int, at sample: Int64, cause: String?) {
        guard var session = sessions[line] else { return }
        session.hangup(at: sample, cause: cause)
        sessions[line] = session
        flush(line: line)
        sessions[line] = nil
    }

    /// Timers, queued prompts and ended calls, at the audio clock `now`.
    func tick(at now: Int64) {
        for line in sessions.indices {
            guard var session = sessions[line] else { continue }
            session.fireDue(before: now)
            session.startNextPrompt(at: now)
            sessions[line] = session
            flush(line: line)
            if session.ended {
                sessions[line] = nil
                if options.answerAll {
                    startCall(line: line, info: Router.CallInfo(line: options.lineIDs[line]), at: now)
                }
            }
        }
    }

    /// Sends the line's mixer commands to the audio thread.
    func flush(line: Int) {
        guard var session = sessions[line] else { return }
        for command in session.takeCommands() {
            if !loop.commands.push(.mixer(line: line, command)) {
                writeEngine("error", [LogField("message", "command ring full")])
            }
        }
        sessions[line] = session
    }

    func handle(_ event: AudioEvent) {
        switch event {
        case .key(let line, let digit, let sample):
            guard var session = sessions[line] else { return }
            session.key(digit, at: sample)
            sessions[line] = session
            flush(line: line)
        case .voiceEnded(let line, let token, let finished, let sample):
            guard var session = sessions[line] else { return }
            session.voiceEnded(token: token, finished: finished, at: sample)
            session.startNextPrompt(at: sample)
            sessions[line] = session
            flush(line: line)
        case .xrun(let sample):
            writeEngine("xrun", [LogField("sample", .int(Int(sample)))])
        case .released:
            break  // the old mixer is freed here, on the control thread
        case .stopped:
            break
        }
    }

    // MARK: - The control channel

    func handleControl(_ item: ControlInbox.Item, at now: Int64) {
        let text: String
        switch item {
        case .line(let line): text = line
        case .refused(let message):
            writeEngine("control_error", [LogField("message", .string(message))])
            return
        case .dropped(let count):
            writeEngine(
                "control_error",
                [LogField("message", .string("\(count) control lines dropped: more came at once than could wait"))])
            return
        }
        let message: ControlMessage
        do {
            message = try ControlMessage(parsing: text, lineIDs: options.lineIDs)
        } catch {
            writeEngine("control_error", [LogField("message", .string(error.message))])
            return
        }
        switch message {
        case .callStarted(let line, let did, let caller):
            if sessions[line] != nil { endCall(line: line, at: now, cause: "replaced") }
            startCall(line: line, info: Router.CallInfo(line: options.lineIDs[line], did: did, caller: caller), at: now)
        case .callEnded(let line):
            endCall(line: line, at: now, cause: nil)
        case .transferResult(let line, let result):
            guard var session = sessions[line] else { return }
            session.transferResult(result, at: now)
            sessions[line] = session
            flush(line: line)
        }
    }

    // MARK: - Reload

    /// SIGHUP: read and validate the menu file again; on success new calls use it (calls already running
    /// keep the configuration they started with); on failure nothing changes and the problems are logged.
    /// A prompt that the new menu names and that has no file in any language (deleted since the running
    /// menu loaded it, or misspelt) is a failure, as `ivrmedia check` says it is an error: the running
    /// menu, whose prompts are in memory, is better than one that plays silence.
    func reload(at now: Int64) {
        let problems: [String]
        do {
            let (fresh, _) = try MenuConfiguration.load(path: options.menuPath)
            let prompts = try MenuPrompts.load(fresh)
            let missing = MenuPrompts.check(fresh, prompts).filter { $0.severity == .error }
            if missing.isEmpty {
                configuration = fresh
                library = prompts
                writeEngine(
                    "config_reloaded",
                    [LogField("path", .string(options.menuPath)), LogField("version_hash", .string(fresh.versionHash))])
                return
            }
            problems = missing.map(\.description)
        } catch let error as ConfigurationError {
            problems = error.errors.map(\.description)
        } catch {
            problems = ["\(error)"]
        }
        writeEngine(
            "config_reload_failed",
            [LogField("path", .string(options.menuPath)), LogField("problems", .array(problems.map { .string($0) }))])
    }

    /// An event of the engine itself (not of a call).
    func writeEngine(_ event: String, _ fields: [LogField]) {
        let log = EventLog(callID: "", ticket: nil, line: nil, callStart: Date(), localTimeZone: nil)
        emit(log.line(event, node: nil, fields: fields, at: Date()))
    }
}

/// Lines from the control channel (standard input, a Unix socket), handed to the control loop, which
/// takes them all every few milliseconds. Bounded: past `capacity` waiting, a line is dropped and
/// counted, and the count comes out as one `.dropped` item, so that a client flooding the channel with
/// tiny lines costs a bounded amount of memory. The audio thread never touches it.
final class ControlInbox: Sendable {
    enum Item: Sendable, Equatable {
        case line(String)
        case refused(String)
        /// Lines dropped because `capacity` were already waiting.
        case dropped(Int)
    }

    static let capacity = 4096

    private let state = Mutex<(items: [Item], dropped: Int)>(([], 0))

    func append(_ item: Item) {
        state.withLock { state in
            if state.items.count < Self.capacity {
                state.items.append(item)
            } else {
                state.dropped += 1
            }
        }
    }

    func take() -> [Item] {
        state.withLock { state in
            defer { state = ([], 0) }
            return state.dropped > 0 ? state.items + [.dropped(state.dropped)] : state.items
        }
    }
}
