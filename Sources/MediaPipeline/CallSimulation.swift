import DSPCore
import Foundation
import IVRRouting
import PromptMixer

/// One call played through the real parts on a virtual clock (`ivrmedia simulate`): the DTMF receiver
/// hears the caller's audio frame by frame, the router decides, the mixer plays the prompts, and every
/// event is written as a JSON line. The clock is the sample count, so the same inputs give the same
/// output, byte for byte, and an hour of audio runs in seconds.
///
/// Each 20 ms frame: the mixer renders what the caller hears; the receiver takes the caller's frame;
/// then the frame's events are handled in time order at their own sample (a prompt's end, a key's
/// report, a timer's deadline). A prompt queued during a frame starts at the next frame; a barge-in stops
/// the prompt in the next frame (within 20 ms, with the mixer's 4 ms fade).
///
/// A bridged transfer is answered by the simulated far end with `transferResult` after a ring: `ok`
/// after 2 s, `busy` after 1 s, `noanswer` after the transfer's `ring_timeout_s`, `failed` at once.
public struct CallSimulation {
    public struct Options: Sendable {
        public var line: String?
        public var did: String?
        public var caller: String?
        public var start: Date
        public var transferResult: TransferResult = .ok
        public var callID = "sim-1"

        public init(line: String? = nil, did: String? = nil, caller: String? = nil, start: Date) {
            self.line = line
            self.did = did
            self.caller = caller
            self.start = start
        }
    }

    public static let frameLength = 160
    static let sampleRate = 8000

    let configuration: MenuConfiguration
    let library: PromptLibrary
    let options: Options
    var router: Router
    var log: EventLog
    var detector = DTMFDetector()
    var mixer: LineMixer
    /// Samples since the call started: the virtual clock.
    var position: Int64 = 0
    var deadlines: [Router.TimerKind: Int64] = [:]
    var transferAnswer: (result: TransferResult, at: Int64)?
    /// Segments the router sent and that have not finished, oldest first.
    var segments: [Router.Segment] = []
    /// The prompts of the head segment still to start (a `say` has several).
    var headPrompts: [(id: String, handle: PromptHandle)] = []
    var headResolved = false
    var voice: VoiceID?
    var voicePrompt = ""
    var emit: (String) -> Void

    /// Sets up a call; nothing runs until `run`.
    public init(
        configuration: MenuConfiguration, library: PromptLibrary, options: Options, emit: @escaping (String) -> Void
    ) {
        self.configuration = configuration
        self.library = library
        self.options = options
        self.emit = emit
        let ticket = configuration.logging.ticket.map { settings in
            var counter = TicketCounter(format: settings.format, reset: settings.reset, timeZone: settings.timeZone)
            return counter.next(at: options.start, line: options.line ?? options.did ?? "")
        }
        router = Router(configuration: configuration, callID: options.callID, ticket: ticket)
        log = EventLog(
            callID: options.callID, ticket: ticket, line: options.line ?? options.did, callStart: options.start,
            localTimeZone: configuration.logging.localTimeZone, events: configuration.logging.events)
        mixer = LineMixer(library: library, voiceCapacity: 4)
    }

    /// Plays the call with `caller` (8 kHz; silence after its end) until the call ends, or at most
    /// `maximumSeconds` of call time. Returns what the caller heard.
    public mutating func run(caller: UnsafeBufferPointer<Int16>, maximumSeconds: Int = 3600) -> [Int16] {
        var heard: [Int16] = []
        let limit = Int64(maximumSeconds * Self.sampleRate)
        var callerFrame = [Int16](repeating: 0, count: Self.frameLength)
        var out = [Int16](repeating: 0, count: Self.frameLength)
        deliver(.callStarted(Router.CallInfo(line: options.line, did: options.did, caller: options.caller)))
        while !router.ended, position < limit {
            startNextPrompt()
            let ends = out.withUnsafeMutableBufferPointer { mixer.render(into: $0) }
            heard += out
            var events: [(sample: Int64, order: Int, event: FrameEvent)] = []
            for end in ends { events.append((position + Int64(end.sampleOffset), events.count, .voiceEnded(end))) }
            let start = Int(position)
            for i in 0..<Self.frameLength {
                callerFrame[i] = start + i < caller.count ? caller[start + i] : 0
            }
            callerFrame.withUnsafeBufferPointer { frame in
                detector.process(frame) { event in
                    if event.kind == .keyDown {
                        events.append((event.reportedSample, events.count, .key(event.digit)))
                    }
                }
            }
            events.sort { ($0.sample, $0.order) < ($1.sample, $1.order) }
            for item in events where !router.ended {
                fireDue(before: item.sample)
                handle(item.event, at: item.sample)
            }
            position += Int64(Self.frameLength)
            fireDue(before: position)
        }
        if !router.ended {
            let cause = "simulation_limit"
            emit(log.line("hangup", node: router.node, fields: [LogField("cause", .string(cause))], at: time(position)))
        }
        return heard
    }

    enum FrameEvent {
        case voiceEnded(VoiceEnd)
        case key(DTMFDigit)
    }

    func time(_ sample: Int64) -> Date {
        options.start.addingTimeInterval(Double(sample) / Double(Self.sampleRate))
    }

    /// Fires every timer and the far end's answer due before `sample`, in time order.
    mutating func fireDue(before sample: Int64) {
        while !router.ended {
            let timer = deadlines.filter { $0.value < sample }.min {
                ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue)
            }
            let answer = transferAnswer.flatMap { $0.at < sample ? $0 : nil }
            if let answer, timer.map({ answer.at <= $0.value }) ?? true {
                transferAnswer = nil
                deliver(.transferResult(answer.result), at: answer.at)
            } else if let (kind, due) = timer {
                deadlines[kind] = nil
                deliver(.timerFired(kind), at: due)
            } else {
                return
            }
        }
    }

    mutating func handle(_ event: FrameEvent, at sample: Int64) {
        switch event {
        case .key(let digit):
            deliver(.digit(digit), at: sample)
        case .voiceEnded(let end):
            guard end.voice == voice else { return }
            voice = nil
            let reason = end.reason == .finished ? "finished" : "barge_in"
            write(
                "prompt_end", [LogField("prompt", .string(voicePrompt)), LogField("reason", .string(reason))], sample)
            guard end.reason == .finished else { return }
            if headPrompts.isEmpty { finishHeadSegment(at: sample) }
        }
    }

    /// The head segment is done: the router hears of it.
    mutating func finishHeadSegment(at sample: Int64) {
        guard !segments.isEmpty else { return }
        segments.removeFirst()
        headResolved = false
        headPrompts = []
        deliver(.promptFinished, at: sample)
    }

    /// Starts the next prompt of the playback queue when nothing plays; missing prompts are logged and
    /// skipped (a segment with none found finishes at once).
    mutating func startNextPrompt() {
        while voice == nil, !router.ended, let head = segments.first {
            if !headResolved {
                headResolved = true
                headPrompts = resolve(head)
                if headPrompts.isEmpty {
                    finishHeadSegment(at: position)
                    continue
                }
            }
            guard !headPrompts.isEmpty else { return }
            let (id, handle) = headPrompts.removeFirst()
            voice = mixer.start(handle, tag: .prompt)
            voicePrompt = id
            write(
                "prompt_start",
                [
                    LogField("prompt", .string(id)), LogField("language", handle.language.map { .string($0) } ?? .null),
                    LogField("duration_ms", .int(handle.durationMilliseconds)),
                ], position)
        }
    }

    /// The prompts of a segment that exist; each missing one is logged.
    mutating func resolve(_ segment: Router.Segment) -> [(id: String, handle: PromptHandle)] {
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
                    position)
            }
        }
        return found
    }

    mutating func deliver(_ event: Router.Event, at sample: Int64? = nil) {
        let at = sample ?? position
        for output in router.handle(event, at: time(at)) {
            switch output {
            case .play(let new): segments += new
            case .stopPlayback:
                segments = []
                headPrompts = []
                headResolved = false
                mixer.stopAll(tag: .prompt)
            case .startTimer(let kind, let milliseconds):
                deadlines[kind] = at + Int64(milliseconds * Self.sampleRate / 1000)
            case .cancelTimer(let kind): deadlines[kind] = nil
            case .transfer(let request):
                guard request.mode == .bridge else { continue }
                let delay: Int
                switch options.transferResult {
                case .ok: delay = 2000
                case .busy: delay = 1000
                case .noanswer: delay = request.ringTimeoutSeconds * 1000
                case .failed: delay = 0
                }
                transferAnswer = (options.transferResult, at + Int64(delay * Self.sampleRate / 1000))
            case .hangup: mixer.stopAll()
            case .log(let record):
                if log.includes(record.event) { emit(log.line(record, at: time(at))) }
            }
        }
    }

    func write(_ event: String, _ fields: [LogField], _ sample: Int64) {
        guard log.includes(event) else { return }
        emit(log.line(event, node: router.node, fields: fields, at: time(sample)))
    }
}
