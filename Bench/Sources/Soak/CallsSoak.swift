import BenchSupport
import DSPCore
import Foundation
import IVRCalendar
import IVRConfiguration
import MediaPipeline
import MediaTestSupport
import PromptMixer

/// One example menu as the calls part plays it: its configuration and prompts, the keys that lead
/// somewhere in it and the keys that do not, and the lines and numbers it is called on.
struct ExampleMenu {
    let name: String
    let configuration: MenuConfiguration
    let library: PromptLibrary
    let rightKeys: [String]
    let wrongKeys: [String]
    /// Whether a caller may type a six-digit ticket number and `#`.
    let takesTicketNumbers: Bool
    let entries: [(line: String?, did: String?)]

    static func load(_ path: String, name: String, rightKeys: [String], wrongKeys: [String], tickets: Bool,
        entries: [(line: String?, did: String?)]) throws -> ExampleMenu
    {
        let (configuration, _) = try MenuConfiguration.load(path: path)
        return ExampleMenu(
            name: name, configuration: configuration, library: try MenuPrompts.load(configuration),
            rightKeys: rightKeys, wrongKeys: wrongKeys, takesTicketNumbers: tickets, entries: entries)
    }
}

/// Part 1: calls one after another through `CallSimulation` (the code of `ivrmedia simulate`),
/// alternating the two example menus, each caller made by `DTMFGenerator` (the generator of `ivrmedia
/// generate`) from a seeded random script.
struct CallsSoak {
    var calls: Int
    var seed: UInt64
    /// Every call ends by this much call time at the latest (the simulator's `maximumSeconds`).
    var maximumCallSeconds: Int
    var check: GrowthCheck

    /// What one call's events said, gathered as they are written.
    final class Tally {
        var events = 0
        var steps: [String] = []

        func take(_ line: String) {
            events += 1
            switch EventLine.event(line) {
            case "transfer": steps.append(String(EventLine.field(line, "mode") ?? "?"))
            case "transfer_result":
                if !steps.isEmpty { steps[steps.count - 1] += ":" + (EventLine.field(line, "result") ?? "?") }
            case "hangup": steps.append("hangup:" + (EventLine.field(line, "cause") ?? "?"))
            case "limit": steps.append("limit:" + (EventLine.field(line, "limit") ?? "?"))
            default: break
            }
        }
    }

    /// The caller's side of one call: pauses (some long enough for the menu's timers to fire), then keys
    /// that lead somewhere, wrong keys, or a ticket number, each at its own level, twist and timing.
    static func callerAudio(_ menu: ExampleMenu, _ random: inout SeededRandom) -> [Int16] {
        var audio: [Int16] = []
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            let pause = random.unit() < 0.2 ? Int.random(in: 5000...9000, using: &random)
                : Int.random(in: 200...3500, using: &random)
            audio += repeatElement(0, count: pause * 8)
            let keys: String
            let draw = random.unit()
            if menu.takesTicketNumbers, draw < 0.15 {
                keys = (0..<6).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined() + "#"
            } else if draw < 0.7 {
                keys = menu.rightKeys.randomElement(using: &random)!
            } else {
                keys = menu.wrongKeys.randomElement(using: &random)!
            }
            let generator = DTMFGenerator(
                levelDBm0: Double.random(in: -20 ... -6, using: &random),
                twistDB: Double.random(in: -3...3, using: &random),
                onMilliseconds: Double.random(in: 60...120, using: &random),
                offMilliseconds: Double.random(in: 80...160, using: &random))
            audio += generator.render(DTMFDigit.parse(keys)!)
        }
        return audio
    }

    /// Runs the calls and prints the report; returns whether memory stayed within the check.
    func run(menus: [ExampleMenu]) -> Bool {
        var random = SeededRandom(seed: seed)
        let warmUpCalls = min(calls, max(1000, calls / 100))
        // Calls start at random times of 2027 (Moscow), so that the call centre is open, closed or on holiday.
        let yearStart = Timestamp.parse("2027-01-01T00:00:00+03:00")!
        struct Figures {
            var calls = 0, events = 0, fewest = Int.max, most = 0
        }
        var perMenu = [Figures](repeating: Figures(), count: menus.count)
        var outcomes: [String: Int] = [:]
        var audioSeconds = 0.0
        var warmUp = ResidentSet.now()
        let wallStart = Machine.wallSeconds(), cpuStart = Machine.threadCPUSeconds()
        let tally = Tally()
        for index in 0..<calls {
            let which = index % menus.count
            let menu = menus[which]
            let caller = Self.callerAudio(menu, &random)
            let entry = menu.entries.randomElement(using: &random)!
            var options = CallSimulation.Options(
                line: entry.line, did: entry.did, caller: "+7900\(Int.random(in: 1_000_000...9_999_999, using: &random))",
                start: yearStart.addingTimeInterval(Double(Int.random(in: 0..<(365 * 86_400), using: &random))))
            let draw = random.unit()
            options.transferResult = draw < 0.4 ? .ok : draw < 0.65 ? .busy : draw < 0.9 ? .failed : .noanswer
            options.callID = "soak-\(index)"
            let hangsUp = random.unit() < 0.25
            let limit = hangsUp ? Int.random(in: 2...20, using: &random) : maximumCallSeconds
            tally.events = 0
            tally.steps.removeAll(keepingCapacity: true)
            var simulation = CallSimulation(
                configuration: menu.configuration, library: menu.library, options: options, emit: tally.take)
            let heard = caller.withUnsafeBufferPointer { simulation.run(caller: $0, maximumSeconds: limit) }
            audioSeconds += Double(heard.count) / 8000
            if tally.steps.last == "hangup:simulation_limit" {
                tally.steps[tally.steps.count - 1] = hangsUp ? "caller hangs up" : "cut at \(limit) s"
            }
            outcomes["\(menu.name): " + (tally.steps.isEmpty ? "no transfer, no hangup" : tally.steps.joined(separator: " → ")), default: 0] += 1
            perMenu[which].calls += 1
            perMenu[which].events += tally.events
            perMenu[which].fewest = min(perMenu[which].fewest, tally.events)
            perMenu[which].most = max(perMenu[which].most, tally.events)
            if index + 1 == warmUpCalls { warmUp = ResidentSet.now() }
        }
        let end = ResidentSet.now()
        let wall = Machine.wallSeconds() - wallStart, cpu = Machine.threadCPUSeconds() - cpuStart
        let passed = check.passes(start: warmUp, end: end)

        let events = perMenu.reduce(0) { $0 + $1.events }
        print("## soak: calls (`CallSimulation`, the path of `ivrmedia simulate`)")
        print("")
        print("| what | value |")
        print("|---|---:|")
        print("| calls (seed \(seed)) | \(calls) |")
        print(String(format: "| audio | %.1f h (%.1f s per call) |", audioSeconds / 3600, audioSeconds / Double(max(calls, 1))))
        print(String(format: "| events | %d (%.1f per call) |", events, Double(events) / Double(max(calls, 1))))
        for (menu, figures) in zip(menus, perMenu) where figures.calls > 0 {
            print(
                String(
                    format: "| events per call, %@ | mean %.1f, min %d, max %d |", menu.name,
                    Double(figures.events) / Double(figures.calls), figures.fewest, figures.most))
        }
        print(String(format: "| wall time | %.1f s (%.1f s CPU; %.0f × real time) |", wall, cpu, audioSeconds / max(cpu, 1e-9)))
        for row in Format.memoryRows(start: warmUp, end: end, warmUp: "\(warmUpCalls) calls") { print(row) }
        print("| check: growth within \(check.description) | \(passed ? "pass" : "FAIL") |")
        print("")
        print("| outcome (transfers with their results, hang-ups) | calls |")
        print("|---|---:|")
        for (outcome, count) in outcomes.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            print("| \(outcome) | \(count) |")
        }
        print("")
        return passed
    }
}
