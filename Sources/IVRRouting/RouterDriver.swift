import DSPCore
import Foundation
import IVRConfiguration

/// Drives the router of one call: it keeps the router's timers as deadlines and fires them in time
/// order, keeps the playback queue that the router's `play` and `stopPlayback` describe, answers a
/// bridged transfer for the far end when told how (the simulator's far end), and turns the router's
/// outputs into the effects its user must carry out. Live calls and `simulate` (`CallSession`) and
/// `check` (`ScenarioRunner`) all drive the router through it, so the same inputs at the same times
/// give the same decisions in each.
///
/// Time is an integer tick: a sample count at 8 kHz from the call's start. The router is told the date
/// `startDate + tick / 8000 s`, computed from the tick each time, so every user of the driver gives the
/// router the same date for the same tick. Timer lengths and the far end's delays are whole
/// milliseconds, which are whole ticks, so deadlines are exact.
///
/// Pure: no clock of its own and no I/O; its user says when things happen and carries out the effects.
/// Cost: control plane only (allocates); never called on the audio thread.
public struct RouterDriver: Sendable {
    /// Ticks per second: one a sample of the line.
    public static let sampleRate = G711.sampleRate

    /// What the user of the driver must do, in the order the router asked for it.
    public enum Effect: Sendable, Hashable {
        /// These segments were queued for playback, after anything already in `queue`.
        case play([Router.Segment])
        /// The segment playing stops and the queued ones are dropped (`queue` is now empty); no segment
        /// of them finishes.
        case stopPlayback
        /// The call is transferred (for a bridged transfer the router waits for its result).
        case transfer(Router.TransferRequest)
        /// The call is hung up.
        case hangup(cause: String)
        /// A record for the call log, with the date of the event that produced it.
        case log(Router.LogRecord, at: Date)
    }

    public private(set) var router: Router
    /// The date of tick 0 (the call's start).
    public let startDate: Date
    /// How the far end answers a bridged transfer by itself (the simulator's far end), after
    /// `answerDelayMilliseconds`; nil: the result comes as a `transferResult` event.
    public let automaticTransferResult: TransferResult?
    /// The segments the router queued that have not finished, oldest (the one playing) first.
    public private(set) var queue: [Router.Segment] = []
    /// A bridged transfer was requested and its result has not come.
    public private(set) var awaitingTransfer = false
    /// The armed timers and the tick at which each fires.
    private var deadlines: [Router.TimerKind: Int64] = [:]
    /// The far end's automatic answer and the tick at which it comes.
    private var transferAnswer: (result: TransferResult, at: Int64)?

    public init(router: Router, startDate: Date, automaticTransferResult: TransferResult? = nil) {
        self.router = router
        self.startDate = startDate
        self.automaticTransferResult = automaticTransferResult
    }

    public var ended: Bool { router.ended }

    /// The date of `tick`.
    public func date(at tick: Int64) -> Date {
        startDate.addingTimeInterval(Double(tick) / Double(Self.sampleRate))
    }

    /// `milliseconds` in ticks (exact: a millisecond is 8 ticks).
    public static func ticks(milliseconds: Int) -> Int64 {
        Int64(milliseconds) * Int64(sampleRate) / 1000
    }

    /// How long the simulated far end rings before it answers a bridged transfer with `result`: `ok`
    /// after 2 s, `busy` after 1 s, `noanswer` after the transfer's `ring_timeout_s`, `failed` at once.
    public static func answerDelayMilliseconds(_ result: TransferResult, _ request: Router.TransferRequest) -> Int {
        switch result {
        case .ok: 2000
        case .busy: 1000
        case .noanswer: request.ringTimeoutSeconds * 1000
        case .failed: 0
        }
    }

    // MARK: - Inputs

    /// Hands `event` to the router at `tick` and returns what must be done.
    public mutating func handle(_ event: Router.Event, at tick: Int64) -> [Effect] {
        if case .transferResult = event { awaitingTransfer = false }
        let date = date(at: tick)
        var effects: [Effect] = []
        for output in router.handle(event, at: date) {
            switch output {
            case .play(let segments):
                queue += segments
                effects.append(.play(segments))
            case .stopPlayback:
                queue = []
                effects.append(.stopPlayback)
            case .startTimer(let kind, let milliseconds):
                deadlines[kind] = tick + Self.ticks(milliseconds: milliseconds)
            case .cancelTimer(let kind): deadlines[kind] = nil
            case .transfer(let request):
                awaitingTransfer = request.mode == .bridge
                if request.mode == .bridge, let result = automaticTransferResult {
                    let delay = Self.ticks(milliseconds: Self.answerDelayMilliseconds(result, request))
                    transferAnswer = (result, tick + delay)
                }
                effects.append(.transfer(request))
            case .hangup(let cause): effects.append(.hangup(cause: cause))
            case .log(let record): effects.append(.log(record, at: date))
            }
        }
        return effects
    }

    /// The segment at the head of `queue` finished at `tick`: it leaves the queue and the router is told.
    /// Nil when nothing is queued.
    public mutating func finishSegment(at tick: Int64) -> [Effect]? {
        guard !queue.isEmpty else { return nil }
        queue.removeFirst()
        return handle(.promptFinished, at: tick)
    }

    // MARK: - Timers

    /// The armed timer that fires first: the earliest deadline, ties by `TimerKind.rawValue`.
    public var nextTimer: (kind: Router.TimerKind, at: Int64)? {
        deadlines.min { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }.map { ($0.key, $0.value) }
    }

    /// Fires the timer `kind` at `tick` (normally its deadline) and disarms it.
    public mutating func fire(_ kind: Router.TimerKind, at tick: Int64) -> [Effect] {
        deadlines[kind] = nil
        return handle(.timerFired(kind), at: tick)
    }

    /// Fires every timer and the far end's answer due before `tick`, each at its own tick, in time order
    /// (on the same tick the answer comes first, then the timers by `TimerKind.rawValue`), until the call
    /// ends.
    public mutating func fireDue(before tick: Int64) -> [Effect] {
        var effects: [Effect] = []
        while !router.ended {
            let timer = nextTimer.flatMap { $0.at < tick ? $0 : nil }
            let answer = transferAnswer.flatMap { $0.at < tick ? $0 : nil }
            if let answer, timer.map({ answer.at <= $0.at }) ?? true {
                transferAnswer = nil
                effects += handle(.transferResult(answer.result), at: answer.at)
            } else if let timer {
                effects += fire(timer.kind, at: timer.at)
            } else {
                break
            }
        }
        return effects
    }
}
