import DSPCore
import Foundation
import PromptMixer
import Testing

@testable import IVRCalendar
@testable import IVRConfiguration
@testable import IVRRouting
@testable import MediaPipeline

/// `check` (the scenario runner, prompts finished when told, on a virtual clock) and `simulate` (the
/// receiver, the router and the mixer on the sample clock) drive the router through the same
/// `RouterDriver`, so a caller who does the same things at the same times gets the same routing from both.
///
/// Each case is a caller on an example menu: keys at given times, and how the far end answers a bridged
/// transfer. The caller is synthesised (DTMFGenerator) and played through `CallSimulation`; the same
/// caller becomes a `tests:` script for `ScenarioRunner`: the keys at their times, and the prompt ends
/// and transfer answers at the times the simulation had them (they depend on the prompts' lengths and
/// the simulated far end, which `check` does not know), with `wait_ms` between. The routing decisions of
/// both (menus entered, routes, invalid and missing input, language set, transfers, hang-ups with their
/// causes) must be the same sequence.
@Suite struct CheckAgreesWithSimulateTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var menu: String
        var line: String?
        var did: String?
        var start: String
        /// The caller's keys: when each tone starts (ms from the call's start), and the key.
        var keys: [Key]
        var transferResult: TransferResult = .ok
        var testDescription: String { name }

        struct Key: Sendable {
            var milliseconds: Int
            var digit: Character
        }

        init(
            _ name: String, menu: String, line: String? = nil, did: String? = nil,
            start: String = "2027-03-15T12:00:00+03:00", keys: [(Int, Character)], transferResult: TransferResult = .ok
        ) {
            self.name = name
            self.menu = menu
            self.line = line
            self.did = did
            self.start = start
            self.keys = keys.map { Key(milliseconds: $0.0, digit: $0.1) }
            self.transferResult = transferResult
        }
    }

    static let cases: [Case] = [
        Case(
            "call centre: English, then the operator, who is busy", menu: "call-centre.yaml", line: "fxo0",
            keys: [(5000, "2"), (9000, "0")], transferResult: .busy),
        Case(
            "call centre: a key in the legal notice is discarded, silence picks Russian, wrong keys, star, silence",
            menu: "call-centre.yaml", line: "fxo0",
            keys: [(1000, "1"), (17000, "7"), (20000, "7"), (24000, "*")], transferResult: .noanswer),
        Case(
            "call centre: the care line closes at 21:00 between the language and the operator",
            menu: "call-centre.yaml", did: "505", start: "2027-03-15T20:59:45+03:00",
            keys: [(5000, "2"), (16000, "0")]),
        Case(
            "call centre: a short ticket number, back with star, then a new request that fails",
            menu: "call-centre.yaml", line: "fxo2",
            keys: [
                (5000, "1"), (9000, "1"), (13000, "1"), (13300, "2"), (13600, "3"), (14000, "#"), (25000, "*"),
                (29000, "2"),
            ],
            transferResult: .failed),
        Case(
            "call centre: a holiday", menu: "call-centre.yaml", line: "fxo0", start: "2027-05-09T12:00:00+03:00",
            keys: []),
        Case(
            "hotline: 9 in the greeting, support busy", menu: "operator-hotline.yaml", keys: [(2000, "9")],
            transferResult: .busy),
        Case("hotline: 9 after the greeting, support answers", menu: "operator-hotline.yaml", keys: [(19000, "9")]),
        Case(
            "hotline: 9, nobody answers", menu: "operator-hotline.yaml", keys: [(3000, "9")], transferResult: .noanswer),
        Case("hotline: silence", menu: "operator-hotline.yaml", keys: []),
        Case("hotline: two wrong keys", menu: "operator-hotline.yaml", keys: [(2000, "1"), (6000, "2")]),
    ]

    /// What one run of a case gave.
    struct Outcome {
        var simulated: [String]
        var checked: [String]
        var scriptFailures: [String]
    }

    @Test(arguments: cases)
    func checkAndSimulateRouteTheCallerAlike(_ example: Case) throws {
        let outcome = try Self.run(example)
        #expect(outcome.scriptFailures.isEmpty)
        #expect(outcome.simulated.contains { $0.hasPrefix("hangup") || $0.hasPrefix("transfer") })
        #expect(outcome.checked == outcome.simulated)
    }

    /// The comparison sees a difference in routing: `check` told that support answered while the far
    /// end of `simulate` was busy routes the call elsewhere, and the sequences differ.
    @Test func aDifferentTransferAnswerMakesThemDisagree() throws {
        let busy = Self.cases.first { $0.name == "hotline: 9 in the greeting, support busy" }!
        let outcome = try Self.run(busy, answer: { _ in .ok })
        #expect(outcome.simulated.contains("transfer:tel:+78002004040 blind"))
        #expect(!outcome.checked.contains("transfer:tel:+78002004040 blind"))
        #expect(outcome.checked != outcome.simulated)
    }

    /// Plays `example` through `simulate` and through `check`; `answer` says which transfer result
    /// `check` is given where the simulation's far end answered.
    static func run(_ example: Case, answer: (TransferResult) -> TransferResult = { $0 }) throws -> Outcome {
        var (configuration, _) = try MenuConfiguration.load(path: examples.appendingPathComponent(example.menu).path)
        configuration.logging.events = nil  // every event, prompt ends included
        let library = try MenuPrompts.load(configuration)
        let start = try #require(Timestamp.parse(example.start))

        // simulate: the caller's keys as audio.
        let generator = DTMFGenerator(levelDBm0: -10, onMilliseconds: 70, offMilliseconds: 100)
        var signal: [Double] = []
        for key in example.keys {
            generator.addTone(DTMFDigit(key.digit)!, to: &signal, at: key.milliseconds * 8)
        }
        let caller = signal.map(Saturate.int16)
        var options = CallSimulation.Options(line: example.line, did: example.did, start: start)
        options.transferResult = example.transferResult
        var lines: [String] = []
        var simulation = CallSimulation(configuration: configuration, library: library, options: options) {
            lines.append($0)
        }
        _ = caller.withUnsafeBufferPointer { simulation.run(caller: $0, maximumSeconds: 600) }
        let events = try lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }

        // check: the same inputs at the same times as a script. A segment is one prompt here (no `say`),
        // so each prompt that finished, or was missing, is one segment done.
        var inputs: [(milliseconds: Int, order: Int, step: Scenario.Step)] = []
        var callEnd = Int.max
        for event in events {
            let milliseconds = try #require(event["t_ms"] as? Int)
            switch event["event"] as? String {
            case "prompt_start":
                #expect((event["prompt"] as? String)?.hasPrefix("digits/") != true, "a `say` segment")
            case "prompt_end" where event["reason"] as? String == "finished", "prompt_missing":
                inputs.append((milliseconds, inputs.count, .promptDone))
            case "transfer_result":
                let result = try #require(TransferResult(rawValue: event["result"] as? String ?? ""))
                inputs.append((milliseconds, inputs.count, .transferResult(answer(result))))
            case "call_end": callEnd = milliseconds
            default: break
            }
        }
        for key in example.keys where key.milliseconds < callEnd {
            inputs.append((key.milliseconds, inputs.count, .dtmf([DTMFDigit(key.digit)!])))
        }
        inputs.sort { ($0.milliseconds, $0.order) < ($1.milliseconds, $1.order) }
        var script: [Scenario.Step] = []
        var now = 0
        for input in inputs {
            if input.milliseconds > now { script.append(.wait(milliseconds: input.milliseconds - now)) }
            now = max(now, input.milliseconds)
            script.append(input.step)
        }
        let scenario = Scenario(
            name: example.name, line: example.line, did: example.did, caller: nil, start: start, script: script,
            expect: [], location: "\(example.menu)")
        let result = ScenarioRunner.run(scenario, configuration: configuration, callID: "sim-1")

        return Outcome(
            simulated: events.compactMap(decision), checked: result.trace.compactMap(decision),
            scriptFailures: result.failures)
    }

    /// A routing decision of the simulation's event log, as `verb:value`.
    static func decision(_ event: [String: Any]) -> String? {
        decision(event["event"] as? String ?? "") { event[$0] as? String ?? "" }
    }

    /// A routing decision of the scenario runner's trace, in the same words (the trace has a menu
    /// entered as `menu: node`, after a `menu_enter` without the node).
    static func decision(_ entry: ScenarioRunner.TraceEntry) -> String? {
        switch (entry.verb, entry.value) {
        case ("menu", .string(let node)): return "menu:\(node)"
        case ("menu_enter", _): return nil
        case (let verb, .map(let fields)):
            return decision(verb) { name in
                guard case .string(let value)? = fields[name] else { return "" }
                return value
            }
        default: return nil
        }
    }

    /// A routing decision as `verb:value`, from an event's name and its fields: a menu entered, a route,
    /// invalid or missing input, a language set, a transfer, a hang-up with its cause.
    static func decision(_ event: String, _ field: (String) -> String) -> String? {
        switch event {
        case "menu_enter": "menu:\(field("node"))"
        case "route": "route:\(field("route"))"
        case "invalid": "invalid:\(field("digits"))"
        case "noinput": "noinput"
        case "language": "language:\(field("language"))"
        case "transfer": "transfer:\(field("to")) \(field("mode"))"
        case "hangup": "hangup:\(field("cause"))"
        default: nil
        }
    }
}
