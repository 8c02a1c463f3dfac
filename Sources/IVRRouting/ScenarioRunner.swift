import Foundation
import IVRCalendar
import IVRConfiguration

/// Runs a file's `tests:` scenarios (§3.8) against the bare router on a virtual clock: the script's
/// steps are fed in order (`prompt_done` finishes the segment playing, `wait_ms` lets timers fire at
/// their deadlines), then the call is run out (prompts finish, timers fire, a bridged transfer
/// answers) until it ends. The expected steps must appear in the trace in order; others may come
/// between them.
public enum ScenarioRunner {
    /// One step of what the call did: a verb (`play`, `transfer`, `hangup`, `set`, or a log event's name)
    /// and its values.
    public struct TraceEntry: Sendable, Hashable, CustomStringConvertible {
        public var verb: String
        public var value: TraceValue
        public var description: String { "\(verb): \(value)" }
    }

    public struct Result: Sendable {
        public var scenario: Scenario
        public var failures: [String]
        public var trace: [TraceEntry]
        public var passed: Bool { failures.isEmpty }
    }

    /// Runs every scenario of `configuration`.
    public static func runAll(_ configuration: MenuConfiguration) -> [Result] {
        configuration.tests.enumerated().map { index, scenario in
            run(scenario, configuration: configuration, callID: "test-\(index + 1)")
        }
    }

    public static func run(_ scenario: Scenario, configuration: MenuConfiguration, callID: String = "test") -> Result {
        var call = VirtualCall(
            configuration: configuration, callID: callID, start: scenario.start, line: scenario.line)
        var failures: [String] = []
        call.start(Router.CallInfo(line: scenario.line, did: scenario.did, caller: scenario.caller))
        for step in scenario.script {
            if call.router.ended {
                failures.append("the call ended before the script step \(step)")
                break
            }
            switch step {
            case .promptDone:
                if !call.finishPrompt() { failures.append("prompt_done: no prompt is playing") }
            case .dtmf(let digits): for digit in digits { call.send(.digit(digit)) }
            case .wait(let milliseconds): call.advance(by: milliseconds)
            case .transferResult(let result): call.send(.transferResult(result))
            case .hangup: call.send(.hangup)
            }
        }
        call.runOut()
        var position = 0
        for expected in scenario.expect {
            guard
                let found = call.trace[position...].firstIndex(where: {
                    $0.verb == expected.verb && $0.value.contains(expected.value)
                })
            else {
                failures.append(
                    "\(expected.location): expected `\(expected.verb): \(expected.value)` "
                        + (position == 0 ? "" : "after step \(position) ") + "but the call did not do it")
                break
            }
            position = found + 1
        }
        return Result(scenario: scenario, failures: failures, trace: call.trace)
    }
}

/// A call on a virtual clock, driven by a `RouterDriver`: its playback queue is a list of segments that
/// finish only when told, and what it does is kept as a trace. The scenario runner's engine; its own
/// rules are the script's (prompts finish when the script says) and running the call out (`runOut`).
struct VirtualCall {
    var driver: RouterDriver
    /// The virtual time: ticks of `RouterDriver` from the call's start.
    var now: Int64 = 0
    var trace: [ScenarioRunner.TraceEntry] = []

    init(configuration: MenuConfiguration, callID: String, start: Date, line: String? = nil) {
        let ticket = configuration.logging.ticket.map { settings in
            var counter = TicketCounter(format: settings.format, reset: settings.reset, timeZone: settings.timeZone)
            return counter.next(at: start, line: line ?? "")
        }
        driver = RouterDriver(
            router: Router(configuration: configuration, callID: callID, ticket: ticket), startDate: start)
    }

    var router: Router { driver.router }
    /// The segments queued and not finished, the one playing first.
    var queue: [Router.Segment] { driver.queue }

    mutating func start(_ info: Router.CallInfo) { send(.callStarted(info)) }

    mutating func send(_ event: Router.Event) { record(driver.handle(event, at: now)) }

    /// Finishes the segment playing; false when none is.
    mutating func finishPrompt() -> Bool {
        guard let effects = driver.finishSegment(at: now) else { return false }
        record(effects)
        return true
    }

    /// Lets `milliseconds` pass, firing each timer at its deadline (a deadline at the end included).
    mutating func advance(by milliseconds: Int) {
        let end = now + RouterDriver.ticks(milliseconds: milliseconds)
        record(driver.fireDue(before: end + 1))
        now = end
    }

    /// Runs the call to its end: prompts finish, timers fire, a bridged transfer is answered `ok`. While
    /// a bridged transfer waits, the `max_ivr` limit does not fire: the far end answers first. At most
    /// 1000 steps, so that a menu that loops for ever still ends its test.
    mutating func runOut() {
        var steps = 0
        while !router.ended, steps < 1000 {
            steps += 1
            if finishPrompt() { continue }
            if let (kind, deadline) = driver.nextTimer, kind != .maxIVR || !driver.awaitingTransfer {
                now = max(now, deadline)
                record(driver.fire(kind, at: now))
                continue
            }
            if driver.awaitingTransfer {
                send(.transferResult(.ok))
                continue
            }
            break
        }
    }

    /// Keeps the effects in the trace: plays, transfers and hang-ups as verbs, log records by their event
    /// name (a `language` record also as `set`, a `menu_enter` also as `menu: node`); the router's own
    /// `transfer` and `hangup` records are left out, as the effects stand for them.
    mutating func record(_ effects: [RouterDriver.Effect]) {
        for effect in effects {
            switch effect {
            case .play(let segments):
                trace.append(.init(verb: "play", value: .list(segments.map { .string($0.name) })))
            case .stopPlayback: break
            case .transfer(let request):
                trace.append(
                    .init(
                        verb: "transfer",
                        value: .map(["to": .string(request.to), "mode": .string(request.mode.rawValue)])))
            case .hangup(let cause):
                trace.append(.init(verb: "hangup", value: .map(["cause": .string(cause)])))
            case .log(let record, _):
                guard record.event != "transfer", record.event != "hangup" else { continue }
                let value = TraceValue.map(
                    Dictionary(record.fields.map { ($0.key, Self.trace($0.value)) }) { a, _ in a })
                trace.append(.init(verb: record.event, value: value))
                if record.event == "language" { trace.append(.init(verb: "set", value: value)) }
                if record.event == "menu_enter", let node = record.node {
                    trace.append(.init(verb: "menu", value: .string(node)))
                }
            }
        }
    }

    static func trace(_ value: LogField.Value) -> TraceValue {
        switch value {
        case .string(let s): .string(s)
        case .int(let n): .string(String(n))
        case .bool(let b): .string(b ? "true" : "false")
        case .null: .string("")
        case .object(let fields): .map(Dictionary(fields.map { ($0.key, trace($0.value)) }) { a, _ in a })
        case .array(let values): .list(values.map(trace))
        }
    }
}
