import DSPCore
import Foundation
import IVRCalendar
import IVRConfiguration
import IVRRouting
import PromptMixer

/// What a call asks of its line's mixer. The simulator applies these at once; the live engine sends
/// them to the audio thread, which applies them at its next period.
public enum MixerCommand: Sendable, Hashable {
    /// Start `handle` as a prompt voice; `token` names it in the end report. A `bargeIn` prompt is
    /// stopped by the audio side itself at the sample where a key is reported (the router stops it too,
    /// a little later; that second stop finds nothing to do).
    case start(PromptHandle, token: Int, bargeIn: Bool)
    /// Stop every prompt voice (a barge-in or a hang-up); music keeps playing.
    case stopPrompts
}

/// The control side of one call on one line: the router driven by a `RouterDriver` (timers, playback
/// queue, the simulated far end) on the line's sample clock, the queued segments resolved to prompts
/// when they come to play, the mixer commands, and the event log. The simulator and the live engine both
/// drive it; all its times are sample counts of the line's audio clock, so a call behaves the same
/// whatever drives it.
///
/// Control plane only: it allocates, and is never used on the audio thread.
public struct CallSession {
    public static let sampleRate = RouterDriver.sampleRate

    public let configuration: MenuConfiguration
    let library: PromptLibrary
    /// The router, its timers and its playback queue, on ticks counted from `startSample`.
    var driver: RouterDriver
    let log: EventLog
    /// The audio sample at which the call started (the driver's tick 0).
    let startSample: Int64
    /// The prompts of the head segment of the driver's queue still to start (a `say` has several).
    var headPrompts: [(id: String, handle: PromptHandle)] = []
    var headResolved = false
    /// The prompt voice playing: its token and prompt id.
    var voice: (token: Int, prompt: String)?
    var nextToken = 1
    /// Commands for the mixer, in order; the driver takes them (`takeCommands`).
    var commands: [MixerCommand] = []
    let emit: (String) -> Void

    public var router: Router { driver.router }
    public var ended: Bool { driver.ended }

    public init(
        configuration: MenuConfiguration, library: PromptLibrary, callID: String, ticket: String?, line: String?,
        startSample: Int64, startDate: Date, automaticTransferResult: TransferResult?,
        emit: @escaping (String) -> Void
    ) {
        self.configuration = configuration
        self.library = library
        self.startSample = startSample
        self.emit = emit
        driver = RouterDriver(
            router: Router(configuration: configuration, callID: callID, ticket: ticket), startDate: startDate,
            automaticTransferResult: automaticTransferResult)
        log = EventLog(
            callID: callID, ticket: ticket, line: line, callStart: startDate,
            localTimeZone: configuration.logging.localTimeZone, events: configuration.logging.events)
    }

    /// The next ticket of `counter` for a call at `date` on `line`, when the configuration numbers them.
    public static func ticket(
        _ configuration: MenuConfiguration, counter: inout TicketCounter?, at date: Date, line: String
    )
        -> String?
    {
        guard let settings = configuration.logging.ticket else { return nil }
        if counter == nil {
            counter = TicketCounter(format: settings.format, reset: settings.reset, timeZone: settings.timeZone)
        }
        return counter!.next(at: date, line: line)
    }

    /// The driver's tick of the line's `sample`.
    func tick(_ sample: Int64) -> Int64 { sample - startSample }

    /// The mixer commands produced so far, in order.
    public mutating func takeCommands() -> [MixerCommand] {
        defer { commands = [] }
        return commands
    }

    // MARK: - Inputs

    public mutating func start(_ info: Router.CallInfo) {
        deliver(.callStarted(info), at: startSample)
    }

    /// A key reported by the receiver at `sample`.
    public mutating func key(_ digit: DTMFDigit, at sample: Int64) {
        fireDue(before: sample)
        guard !ended else { return }
        deliver(.digit(digit), at: sample)
    }

    /// The voice `token` ended at `sample`.
    public mutating func voiceEnded(token: Int, finished: Bool, at sample: Int64) {
        fireDue(before: sample)
        guard let current = voice, current.token == token else { return }
        voice = nil
        write(
            "prompt_end",
            [
                LogField("prompt", .string(current.prompt)),
                LogField("reason", .string(finished ? "finished" : "barge_in")),
            ],
            sample)
        guard finished, !ended else { return }
        if headPrompts.isEmpty { finishHeadSegment(at: sample) }
    }

    /// The telephony side reports how a bridged transfer ended.
    public mutating func transferResult(_ result: TransferResult, at sample: Int64) {
        fireDue(before: sample)
        deliver(.transferResult(result), at: sample)
    }

    /// The caller hung up at `sample` (`cause` nil), or the IVR ends the call (`cause`: shutdown,
    /// device_lost).
    public mutating func hangup(at sample: Int64, cause: String? = nil) {
        guard !ended else { return }
        deliver(cause.map { .end(cause: $0) } ?? .hangup, at: sample)
        if voice != nil || !driver.queue.isEmpty { commands.append(.stopPrompts) }
        voice = nil
    }

    /// Fires every timer and the far end's answer due before `sample`, in time order.
    public mutating func fireDue(before sample: Int64) {
        perform(driver.fireDue(before: tick(sample)))
    }

    /// Starts the next prompt of the playback queue when nothing plays (call at each frame or period
    /// start, `sample` being its first sample); missing prompts are logged and skipped (a segment with
    /// none found finishes at once).
    public mutating func startNextPrompt(at sample: Int64) {
        while voice == nil, !driver.ended, let head = driver.queue.first {
            if !headResolved {
                headResolved = true
                headPrompts = resolve(head, at: sample)
                if headPrompts.isEmpty {
                    finishHeadSegment(at: sample)
                    continue
                }
            }
            guard !headPrompts.isEmpty else { return }
            let (id, handle) = headPrompts.removeFirst()
            let token = nextToken
            nextToken += 1
            commands.append(.start(handle, token: token, bargeIn: head.bargeIn))
            voice = (token, id)
            write(
                "prompt_start",
                [
                    LogField("prompt", .string(id)), LogField("language", handle.language.map { .string($0) } ?? .null),
                    LogField("duration_ms", .int(handle.durationMilliseconds)),
                ], sample)
        }
    }

    /// Writes an event of the call's own (a limit, a shutdown) at `sample`.
    public func write(_ event: String, _ fields: [LogField], _ sample: Int64) {
        guard log.includes(event) else { return }
        emit(log.line(event, node: router.node, fields: fields, at: driver.date(at: tick(sample))))
    }

    // MARK: - Internals

    mutating func finishHeadSegment(at sample: Int64) {
        guard let effects = driver.finishSegment(at: tick(sample)) else { return }
        headResolved = false
        headPrompts = []
        perform(effects)
    }

    /// The prompts of a segment that exist; each missing one is logged.
    mutating func resolve(_ segment: Router.Segment, at sample: Int64) -> [(id: String, handle: PromptHandle)] {
        let ids: [String]
        let language: String
        switch segment.content {
        case .prompt(let id, let lang):
            ids = [id]
            language = lang
        case .say(let kind, let value, let lang):
            language = lang
            switch kind {
            case .digits: ids = Say.digits(value)
            case .number: ids = Int(value).flatMap { Say.number($0, language: lang) } ?? Say.digits(value)
            }
        }
        var found: [(String, PromptHandle)] = []
        for id in ids {
            let neutral = configuration.prompts.items[id]?.languageNeutral == true
            if let handle = library.lookup(id, language: neutral ? nil : language) {
                found.append((id, handle))
            } else {
                write(
                    "prompt_missing", [LogField("prompt", .string(id)), LogField("language", .string(language))],
                    sample)
            }
        }
        return found
    }

    mutating func deliver(_ event: Router.Event, at sample: Int64) {
        perform(driver.handle(event, at: tick(sample)))
    }

    /// Carries out the driver's effects: mixer commands and event lines (the driver keeps the queue and
    /// the timers; a transfer is the telephony side's, or the driver's simulated far end's).
    mutating func perform(_ effects: [RouterDriver.Effect]) {
        for effect in effects {
            switch effect {
            case .play, .transfer: break
            case .stopPlayback:
                headPrompts = []
                headResolved = false
                commands.append(.stopPrompts)
            case .hangup: commands.append(.stopPrompts)
            case .log(let record, let date):
                if log.includes(record.event) { emit(log.line(record, at: date)) }
            }
        }
    }
}
