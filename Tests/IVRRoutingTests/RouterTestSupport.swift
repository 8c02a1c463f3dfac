import DSPCore
import Foundation
import Testing

@testable import IVRConfiguration
@testable import IVRRouting

/// A menu file from text, failing the test with every problem if it does not load.
func menu(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> MenuConfiguration {
    do {
        return try MenuConfiguration.parse(yaml, path: "test.yaml").0
    } catch {
        Issue.record("menu did not load:\n\(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// Drives a router on a virtual clock and keeps everything it did.
struct Harness {
    var call: VirtualCall
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    init(_ configuration: MenuConfiguration, line: String? = nil, at start: Date? = nil) {
        call = VirtualCall(
            configuration: configuration, callID: "c1", start: start ?? Date(timeIntervalSince1970: 1_800_000_000))
        call.start(Router.CallInfo(line: line, caller: "79001234567"))
    }

    /// Milliseconds since the call started.
    var elapsed: Int { Int(call.now * 1000 / Int64(RouterDriver.sampleRate)) }

    mutating func promptDone(_ count: Int = 1) {
        for _ in 0..<count {
            let finished = call.finishPrompt()
            #expect(finished, "a prompt should be playing")
        }
    }

    mutating func press(_ keys: String) {
        for digit in DTMFDigit.parse(keys)! { call.send(.digit(digit)) }
    }

    mutating func wait(_ milliseconds: Int) { call.advance(by: milliseconds) }

    /// The verbs of the trace, with plays as `play:a,b` and log events by name.
    var steps: [String] {
        call.trace.map { entry in
            switch (entry.verb, entry.value) {
            case ("play", .list(let items)): return "play:" + items.map(\.description).joined(separator: ",")
            case ("transfer", .map(let m)): return "transfer:\(m["to"]!)"
            case ("route", .map(let m)): return "route:\(m["route"]!)"
            case ("invalid", .map(let m)): return "invalid:\(m["digits"]!)"
            default: return entry.verb
            }
        }
    }

    /// The steps that decide (route, invalid, noinput, transfer, hangup, play), without the rest.
    var decisions: [String] {
        steps.filter {
            $0.hasPrefix("route") || $0.hasPrefix("invalid") || $0 == "noinput" || $0.hasPrefix("transfer")
                || $0 == "hangup" || $0.hasPrefix("play")
        }
    }

    var armed: Set<Router.TimerKind> { call.router.armedTimers }
    var playing: [String] { call.queue.map(\.name) }
}
