import DSPCore
import Foundation
import MenuTestSupport
import Testing

@testable import IVRConfiguration
@testable import IVRRouting

/// The router driver alone, on its 8 kHz tick: deadlines, firing order, the simulated far end, the
/// playback queue and the dates the router is told.
@Suite struct RouterDriverTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// `main` plays `greeting`; `9` makes a bridged transfer (ring timeout 7 s) that falls back to a hang-up.
    static func configuration() throws -> MenuConfiguration {
        try menu(
            oneMenu(
                """
                prompts: { long: [greeting] }
                terminator: ""
                timers: { first_digit_ms: 4000, max_input_ms: 4000 }
                retries: { max_noinput: 1 }
                routes:
                  - digits: "9"
                    do: { transfer: { to: "queue:x", mode: bridge, ring_timeout_s: 7, on_fail: { hangup: { cause: busy_here } } } }
                on_max_noinput: { hangup: {} }
                """))
    }

    static func driver(answer: TransferResult? = nil) throws -> RouterDriver {
        var driver = RouterDriver(
            router: Router(configuration: try configuration(), callID: "c1", ticket: nil), startDate: start,
            automaticTransferResult: answer)
        _ = driver.handle(.callStarted(Router.CallInfo()), at: 0)
        return driver
    }

    static func events(_ effects: [RouterDriver.Effect]) -> [String] {
        effects.compactMap { if case .log(let record, _) = $0 { record.event } else { nil } }
    }

    @Test func aTimerFiresAtItsDeadlineAndNotBefore() throws {
        var driver = try Self.driver()
        #expect(driver.queue.map(\.name) == ["greeting"])
        #expect(driver.nextTimer?.kind == .maxIVR)
        let finished = driver.finishSegment(at: 8000)
        let effects = try #require(finished)
        #expect(!Self.events(effects).contains("noinput"))
        #expect(driver.queue.isEmpty)
        // first_digit and max_input both fall at 1 s + 4 s = tick 40,000: first_digit fires first.
        #expect(driver.nextTimer?.kind == .firstDigit && driver.nextTimer?.at == 40_000)
        #expect(Self.events(driver.fireDue(before: 40_000)).isEmpty)
        let fired = driver.fireDue(before: 40_001)
        #expect(Self.events(fired).contains("noinput"))
        #expect(driver.ended)
        let date = try #require(fired.lazy.compactMap { if case .log(_, let at) = $0 { at } else { nil } }.first)
        #expect(date == Self.start.addingTimeInterval(5))
    }

    @Test func aKeyStopsThePlaybackAndEmptiesTheQueue() throws {
        var driver = try Self.driver()
        let effects = driver.handle(.digit(.nine), at: 2400)
        #expect(effects.contains(.stopPlayback))
        #expect(effects.contains { if case .transfer = $0 { true } else { false } })
        #expect(driver.awaitingTransfer)
        #expect(driver.queue.isEmpty)
        #expect(driver.finishSegment(at: 2500) == nil)
    }

    @Test(arguments: [(TransferResult.ok, 2000), (.busy, 1000), (.noanswer, 7000), (.failed, 0)])
    func theSimulatedFarEndAnswersAfterItsDelay(result: TransferResult, delayMilliseconds: Int) throws {
        var driver = try Self.driver(answer: result)
        _ = driver.handle(.digit(.nine), at: 800)
        let answer = 800 + RouterDriver.ticks(milliseconds: delayMilliseconds)
        #expect(!Self.events(driver.fireDue(before: answer)).contains("transfer_result"))
        let effects = driver.fireDue(before: answer + 1)
        #expect(Self.events(effects).contains("transfer_result"))
        #expect(!driver.awaitingTransfer)
        #expect(effects.contains(.hangup(cause: "busy_here")) == (result != .ok))
    }

    @Test func withoutAnAutomaticAnswerABridgedTransferWaits() throws {
        var driver = try Self.driver()
        _ = driver.handle(.digit(.nine), at: 800)
        #expect(driver.awaitingTransfer)
        #expect(Self.events(driver.fireDue(before: 8000 * 60)).isEmpty)
        #expect(!driver.ended)
        _ = driver.handle(.transferResult(.busy), at: 8000 * 60)
        #expect(!driver.awaitingTransfer)
        #expect(driver.ended)
    }

    /// The router's dates come from the tick alone, so any path to a tick gives the same date.
    @Test func theDateOfATickIsTheStartPlusTicksOver8000() throws {
        let driver = try Self.driver()
        #expect(driver.date(at: 0) == Self.start)
        #expect(driver.date(at: 8) == Self.start.addingTimeInterval(0.001))
        #expect(driver.date(at: 12_345) == Self.start.addingTimeInterval(12_345.0 / 8000))
        #expect(RouterDriver.ticks(milliseconds: 4000) == 32_000)
    }
}
