import DSPCore
import Foundation
import MenuTestSupport
import Testing

@testable import IVRCalendar
@testable import IVRConfiguration
@testable import IVRRouting

/// Every rule of ivr-config.md §1 (timers, matching, counters) and §2 (barge-in, type-ahead), driven on
/// the bare router with a virtual clock.
@Suite struct RouterTests {
    // MARK: - Timers

    /// §1 timeline: greeting, first_digit armed only when it ends, NOINPUT at P + 4000, max_noinput 1.
    @Test func firstDigitTimerRunsOnlyAfterThePromptAndForwardsAtExactly4Seconds() throws {
        let c = try menu(
            oneMenu(
                """
                prompts: { long: [op_greeting] }
                terminator: ""
                timers: { first_digit_ms: 4000 }
                retries: { max_noinput: 1, max_invalid: 2 }
                routes:
                  - { digits: "9", do: { transfer: { to: "queue:tech_support" } } }
                on_max_noinput: { transfer: { to: "tel:+78002004040" } }
                """))
        var h = Harness(c)
        #expect(h.playing == ["op_greeting"])
        h.wait(60_000)  // a prompt can be long: nothing runs while it plays
        #expect(h.armed.isDisjoint(with: [.firstDigit]))
        #expect(!h.call.router.ended)
        h.promptDone()
        let promptEnd = h.elapsed
        #expect(h.armed.contains(.firstDigit))
        h.wait(3999)
        #expect(!h.call.router.ended)
        h.wait(1)
        #expect(h.call.router.ended)
        #expect(h.steps.contains("transfer:tel:+78002004040"))
        // The noinput came exactly 4000 ms after the greeting ended, with no re-prompt before it.
        #expect(h.elapsed - promptEnd == 4000)
        #expect(h.decisions == ["play:op_greeting", "noinput", "transfer:tel:+78002004040"])
    }

    /// A menu with no prompt arms first_digit at once.
    @Test func firstDigitTimerArmedAtOnceWithoutPrompts() throws {
        let c = try menu(oneMenu("routes: [ { digits: \"1\", do: { hangup: {} } } ]"))
        let h = Harness(c)
        #expect(h.armed.contains(.firstDigit))
        #expect(h.playing.isEmpty)
    }

    static let eagerRoutes = """
        prompts: { long: [menu] }
        routes:
          - { digits: "1", label: one, do: { transfer: { to: "ext:1" } } }
          - { digits: "12", label: twelve, do: { transfer: { to: "ext:12" } } }
          - { digits: "3", label: three, do: { transfer: { to: "ext:3" } } }
        timers: { inter_digit_ms: 3000 }
        """

    /// §1 timeline: routes 1, 12, 3 in eager mode.
    @Test func eagerModeAcceptsAsSoonAsNoRouteCanExtend() throws {
        let c = try menu(oneMenu(Self.eagerRoutes))
        var h = Harness(c)
        h.promptDone()
        h.press("3")
        #expect(h.steps.contains("route:three"))  // at once
        #expect(h.elapsed == 0)

        h = Harness(c)
        h.promptDone()
        h.press("1")
        #expect(!h.steps.contains { $0.hasPrefix("route") })
        #expect(h.armed.contains(.interDigit))
        h.wait(2999)
        #expect(!h.steps.contains { $0.hasPrefix("route") })
        h.wait(1)
        #expect(h.steps.contains("route:one"))

        h = Harness(c)
        h.promptDone()
        h.press("12")
        #expect(h.steps.contains("route:twelve"))
        #expect(h.elapsed == 0)

        h = Harness(c)
        h.promptDone()
        h.press("4")
        #expect(h.steps.contains("invalid:4"))  // fail_fast: at once
        #expect(h.elapsed == 0)
    }

    @Test func failFastOffWaitsForTheInterDigitTimer() throws {
        let c = try menu(oneMenu(Self.eagerRoutes + "\nfail_fast: false"))
        var h = Harness(c)
        h.promptDone()
        h.press("4")
        #expect(!h.steps.contains { $0.hasPrefix("invalid") })
        h.wait(3000)
        #expect(h.steps.contains("invalid:4"))
    }

    @Test func shortestModeAcceptsTheFirstCompleteMatch() throws {
        let c = try menu(oneMenu(Self.eagerRoutes + "\nmatch: shortest"))
        var h = Harness(c)
        h.promptDone()
        h.press("1")
        #expect(h.steps.contains("route:one"))
        #expect(h.elapsed == 0)
    }

    @Test func strictModeWaitsForTerminatorOrTimer() throws {
        let c = try menu(oneMenu(Self.eagerRoutes + "\nmatch: strict"))
        var h = Harness(c)
        h.promptDone()
        h.press("3")
        #expect(!h.steps.contains { $0.hasPrefix("route") })
        h.press("#")
        #expect(h.steps.contains("route:three"))

        h = Harness(c)
        h.promptDone()
        h.press("3")
        h.wait(3000)
        #expect(h.steps.contains("route:three"))
    }

    @Test func termTimerDelaysTheAcceptOfACompleteMatch() throws {
        let c = try menu(
            oneMenu(
                Self.eagerRoutes.replacingOccurrences(
                    of: "timers: { inter_digit_ms: 3000 }", with: "timers: { inter_digit_ms: 3000, term_ms: 1500 }")))
        var h = Harness(c)
        h.promptDone()
        h.press("3")
        #expect(h.armed.contains(.term))
        h.wait(1499)
        #expect(!h.steps.contains { $0.hasPrefix("route") })
        h.wait(1)
        #expect(h.steps.contains("route:three"))

        h = Harness(c)
        h.promptDone()
        h.press("3#")  // the terminator accepts at once
        #expect(h.steps.contains("route:three"))
        #expect(h.elapsed == 0)
    }

    @Test func maxDigitsEvaluatesWithoutWaiting() throws {
        let c = try menu(
            oneMenu(
                """
                max_digits: 4
                routes: [ { pattern: "1.", do: { transfer: { to: "ext:${input}" } } } ]
                """))
        var h = Harness(c)
        h.press("1234")
        #expect(h.steps.contains("transfer:ext:1234"))
        #expect(h.elapsed == 0)
    }

    @Test func maxInputTimerEndsCollection() throws {
        let c = try menu(
            oneMenu(
                """
                timers: { max_input_ms: 5000, inter_digit_ms: 4000 }
                routes: [ { pattern: "X!", do: { transfer: { to: "ext:${input}" } } } ]
                """))
        var h = Harness(c)
        #expect(h.armed.contains(.maxInput))
        h.wait(1000)
        h.press("1")
        h.wait(3000)
        h.press("2")
        h.wait(1000)  // 5000 ms since collection started, the inter-digit timer still had 3000 to go
        #expect(h.steps.contains("transfer:ext:12"))
    }

    @Test func terminatorOnAnEmptyBufferIsNoinputOrTheTerminatorRoute() throws {
        var c = try menu(oneMenu("routes: [ { digits: \"1\", do: { hangup: {} } } ]"))
        var h = Harness(c)
        h.press("#")
        #expect(h.steps.contains("noinput"))

        c = try menu(oneMenu("routes: [ { digits: \"#\", label: pound, do: { hangup: {} } } ]"))
        h = Harness(c)
        h.press("#")
        #expect(h.steps.contains("route:pound"))
    }

    // MARK: - Matching

    @Test func precedenceIsDigitsThenPatternThenRegexThenFileOrder() throws {
        let c = try menu(
            oneMenu(
                """
                terminator: "#"
                routes:
                  - { regex: "^(1)(0[0-9])$", label: regex, do: { transfer: { to: "ext:${match.2}" } } }
                  - { pattern: "1XX", label: pattern, do: { hangup: {} } }
                  - { digits: "100", label: digits, do: { hangup: {} } }
                  - { pattern: "10X", label: pattern2, do: { hangup: {} } }
                """))
        var h = Harness(c)
        h.press("100#")
        #expect(h.steps.contains("route:digits"))
        h = Harness(c)
        h.press("105#")
        #expect(h.steps.contains("route:pattern"))  // before pattern2: file order
        h = Harness(c)
        h.press("1#")
        #expect(h.steps.contains("invalid:1"))
    }

    @Test func regexCapturesExpandInActions() throws {
        let c = try menu(
            oneMenu(
                """
                max_digits: 4
                routes: [ { regex: "^10([0-9]{2})$", do: { transfer: { to: "ext:${match.1}" } } } ]
                """))
        var h = Harness(c)
        h.press("1042")
        #expect(h.steps.contains("transfer:ext:42"))
    }

    @Test func routeConditionsAreEvaluatedWhenTheKeyArrives() throws {
        let c = try menu(
            oneMenu(
                """
                routes:
                  - { digits: "1", when: { var: { open: "yes" } }, do: { transfer: { to: "queue:a" } } }
                  - { digits: "2", do: [ { set: { vars.open: "yes" } } ] }
                """))
        var h = Harness(c)
        h.press("1")
        #expect(h.steps.contains("invalid:1"))  // route 1 is off: no route starts with 1
        h.press("2")  // sets the variable and re-prompts
        h.press("1")
        #expect(h.steps.contains("transfer:queue:a"))
    }

    // MARK: - Counters

    static let counting = """
        prompts: { long: [long], short: [short], invalid: [bad], noinput: [silent] }
        routes: [ { digits: "1", do: { transfer: { to: "ext:1" } } } ]
        retries: { max_noinput: 3, max_invalid: 3 }
        on_noinput:
          - { count: 1, do: [ { play: noinput }, { repeat: short } ] }
          - { count: 2, do: [ { play: [hint] }, { repeat: long } ] }
        on_max_noinput: { hangup: { cause: noinput } }
        on_max_invalid: { hangup: { cause: invalid } }
        timers: { first_digit_ms: 1000 }
        """

    @Test func noinputEscalatesByCountAndMaxNoinputEndsWithoutAnExtraPrompt() throws {
        let c = try menu(oneMenu(Self.counting))
        var h = Harness(c)
        h.promptDone()
        h.wait(1000)  // 1: silent + short
        #expect(h.playing == ["silent", "short"])
        h.promptDone(2)
        h.wait(1000)  // 2: hint + long
        #expect(h.playing == ["hint", "long"])
        h.promptDone(2)
        h.wait(1000)  // 3 == max: hang up at once, no re-prompt
        #expect(h.call.router.ended)
        #expect(
            h.decisions == [
                "play:long", "noinput", "play:silent,short", "noinput", "play:hint,long", "noinput", "hangup",
            ])
    }

    @Test func invalidCountIsKeptAcrossRepromptsAndResetOnReentry() throws {
        let c = try menu(
            oneMenu(
                Self.counting.replacingOccurrences(
                    of: "routes: [ { digits: \"1\", do: { transfer: { to: \"ext:1\" } } } ]",
                    with: """
                        routes:
                          - { digits: "1", do: { transfer: { to: "ext:1" } } }
                          - { digits: "5", do: [ { log: { event: info } } ] }
                          - { digits: "7", do: { goto: main } }
                        """)))
        var h = Harness(c)
        h.promptDone()
        h.press("9")  // invalid 1
        h.promptDone(2)
        h.press("5")  // a route that re-prompts: the count stays (unlike FreeSWITCH)
        h.promptDone()
        h.press("9")  // invalid 2
        h.promptDone(2)
        h.press("7")  // goto main: a new visit, counts reset
        h.promptDone()
        h.press("9")  // invalid 1 again
        h.promptDone(2)
        h.press("9")  // 2
        #expect(!h.call.router.ended)
        h.promptDone(2)
        h.press("9")  // 3 == max
        #expect(h.call.router.ended)
        let counts = h.call.trace.filter { $0.verb == "invalid" }.map { entry -> String in
            guard case .map(let m) = entry.value, case .map(let counts)? = m["counts"] else { return "?" }
            return counts["invalid"]!.description
        }
        #expect(counts == ["1", "2", "1", "2", "3"])
    }

    @Test func maxAttemptsCapsNoinputAndInvalidTogether() throws {
        let c = try menu(
            oneMenu(
                Self.counting.replacingOccurrences(of: "max_invalid: 3 }", with: "max_invalid: 3, max_attempts: 2 }")))
        var h = Harness(c)
        h.promptDone()
        h.press("9")  // invalid 1
        h.promptDone(2)
        h.wait(1000)  // noinput 1: attempts 2 == max_attempts
        #expect(h.call.router.ended)
    }

    // MARK: - Barge-in and type-ahead (§2)

    @Test func bargeInStopsThePromptAndKeepsTheKey() throws {
        let c = try menu(oneMenu(Self.eagerRoutes))
        var h = Harness(c)
        h.wait(500)
        h.press("1")
        #expect(h.call.queue.isEmpty)
        #expect(h.armed.contains(.interDigit))
        #expect(!h.armed.contains(.firstDigit))
        h.press("2")
        #expect(h.steps.contains("route:twelve"))
        #expect(h.call.trace.contains { $0.verb == "dtmf" })
    }

    @Test func keysDuringANonBargeInPromptAreDiscarded() throws {
        let yaml = """
            version: 1
            prompts:
              root: /nonexistent
              items: { legal_notice: { barge_in: false } }
            lines: [ { match: { any: true }, entry: main } ]
            nodes:
              main:
                type: menu
                prompts: { long: [legal_notice, menu] }
                routes: [ { digits: "1", do: { transfer: { to: "ext:1" } } }, { digits: "2", do: { transfer: { to: "ext:2" } } } ]
            """
        var h = Harness(try menu(yaml))
        h.press("1")  // during legal_notice: discarded, the notice goes on
        #expect(h.playing == ["legal_notice", "menu"])
        h.promptDone()  // the notice ends: buffer flushed
        h.press("2")  // barges into `menu`
        #expect(h.steps.contains("transfer:ext:2"))
        #expect(!h.steps.contains("transfer:ext:1"))
    }

    @Test func typeaheadKeysSkipTheNextMenusPrompt() throws {
        let yaml = """
            version: 1
            prompts: { root: /nonexistent }
            lines: [ { match: { any: true }, entry: first } ]
            nodes:
              first:
                type: menu
                prompts: { long: [first_menu] }
                routes: [ { digits: "1", do: [ { play: [please_wait] }, { goto: second } ] } ]
              second:
                type: menu
                prompts: { long: [second_menu] }
                routes: [ { digits: "5", do: { transfer: { to: "ext:5" } } } ]
            """
        var h = Harness(try menu(yaml))
        h.press("1")  // barge into first_menu, route plays please_wait then enters second
        #expect(h.playing == ["please_wait", "second_menu"])
        h.promptDone()  // please_wait ends: second_menu plays
        h.press("5")
        #expect(h.steps.contains("transfer:ext:5"))

        h = Harness(try menu(yaml))
        h.press("1")
        h.press("5")  // during please_wait: stops it, queued, second menu starts with its prompt skipped
        #expect(h.steps.contains("transfer:ext:5"))
        #expect(!h.call.trace.contains { $0.verb == "play" && $0.value == .list([.string("second_menu")]) })
    }

    @Test func typeaheadIsFlushedOnInvalid() throws {
        let c = try menu(
            oneMenu(
                """
                prompts: { long: [m], invalid: [bad] }
                barge_in: false
                routes: [ { digits: "1", do: { transfer: { to: "ext:1" } } } ]
                """))
        var h = Harness(c)
        h.promptDone()
        h.press("9")  // invalid: bad + m play, not interruptible
        h.press("1")  // during them: discarded
        h.promptDone(2)
        #expect(!h.steps.contains("transfer:ext:1"))
        #expect(h.armed.contains(.firstDigit))
    }

    // MARK: - Navigation and ends

    @Test func backTopAndRepeat() throws {
        let yaml = """
            version: 1
            prompts: { root: /nonexistent }
            lines: [ { match: { any: true }, entry: a } ]
            nodes:
              a:
                type: menu
                prompts: { long: [a_long], short: [a_short] }
                routes: [ { digits: "1", do: { goto: b } }, { digits: "9", do: { repeat: long } } ]
              b:
                type: menu
                prompts: { long: [b_long] }
                routes: [ { digits: "1", do: { goto: c } }, { digits: "*", do: { back: 1 } } ]
              c:
                type: menu
                prompts: { long: [c_long] }
                routes: [ { digits: "0", do: { top: {} } } ]
            """
        var h = Harness(try menu(yaml))
        h.promptDone()
        h.press("1")
        h.promptDone()
        h.press("*")  // back to a: long again
        #expect(h.playing == ["a_long"])
        h.promptDone()
        h.press("9")
        #expect(h.playing == ["a_long"])
        h.promptDone()
        h.press("1")
        h.promptDone()
        h.press("1")
        h.promptDone()
        h.press("0")  // top
        #expect(h.playing == ["a_long"])
        #expect(h.call.router.node == "a")
    }

    @Test func bridgedTransferFallsBackOnFailureAndEndsOnSuccess() throws {
        let c = try menu(
            oneMenu(
                """
                routes:
                  - digits: "9"
                    do:
                      transfer:
                        to: "queue:tech_support"
                        mode: bridge
                        announce: [connecting]
                        on_fail: { transfer: { to: "tel:+78002004040", announce: [forwarding] } }
                """))
        for result in TransferResult.allCases {
            var h = Harness(c)
            h.press("9")
            #expect(h.playing == ["connecting"])
            h.promptDone()
            #expect(h.steps.last { $0.hasPrefix("transfer") } == "transfer:queue:tech_support")
            h.call.send(.transferResult(result))
            if result == .ok {
                #expect(h.call.router.ended)
                #expect(!h.steps.contains("transfer:tel:+78002004040"))
            } else {
                h.promptDone()
                #expect(h.steps.last { $0.hasPrefix("transfer") } == "transfer:tel:+78002004040")
                #expect(h.call.router.ended)
            }
        }
    }

    @Test func nodeVisitLimitEndsALoopingCall() throws {
        let c = try menu(
            oneMenu(
                """
                routes: [ { digits: "1", do: { goto: main } } ]
                """, extra: "limits: { max_node_visits: 3 }"))
        var h = Harness(c)
        h.press("1")
        h.press("1")
        #expect(!h.call.router.ended)
        h.press("1")
        #expect(h.call.router.ended)
        #expect(h.call.trace.contains { $0.verb == "limit" })
    }

    @Test func callerHangupEndsEverything() throws {
        let c = try menu(oneMenu(Self.eagerRoutes))
        var h = Harness(c)
        h.promptDone()
        h.call.send(.hangup)
        #expect(h.call.router.ended)
        #expect(h.armed.isEmpty)
        #expect(h.call.trace.last?.verb == "call_end")
    }

    @Test func languageSetPlaysPromptsInTheNewLanguage() throws {
        let yaml = """
            version: 1
            languages: { default: ru, supported: [ru, en] }
            prompts: { root: /nonexistent }
            lines: [ { match: { any: true }, entry: main } ]
            nodes:
              main:
                type: menu
                prompts: { long: [menu] }
                routes: [ { digits: "2", do: [ { set: { language: en } }, { goto: next } ] } ]
              next:
                type: menu
                prompts: { long: [next_menu] }
                routes: [ { digits: "1", do: { hangup: {} } } ]
            """
        var h = Harness(try menu(yaml))
        #expect(h.call.queue.first?.content == .prompt(id: "menu", language: "ru"))
        h.press("2")
        #expect(h.call.queue.first?.content == .prompt(id: "next_menu", language: "en"))
        #expect(h.call.trace.contains { $0.verb == "set" && $0.value.contains(.map(["language": "en"])) })
    }
}

extension TraceValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

/// Schedules in branches and route conditions, evaluated at the time of each event (§3.5).
@Suite struct RouterScheduleTests {
    static let yaml = """
        version: 1
        prompts: { root: /nonexistent }
        schedules:
          office:
            timezone: Europe/Moscow
            weekly: [ { days: [mon-fri], hours: ["09:00-19:00"] } ]
            holidays:
              - { dates: "2027-05-09", name: "Victory Day", prompt: [victory_day] }
              - { dates: "2027-06-12", name: "Russia Day", route: { transfer: { to: "tel:+74950000000" } } }
              - { dates: "2027-11-04", name: "Unity Day" }
            special_open: [ { dates: "2027-11-06", hours: ["10:00-15:00"] } ]
        lines: [ { match: { any: true }, entry: entry } ]
        nodes:
          entry:
            type: branch
            cases:
              - { if: { schedule: office, state: holiday }, do: { goto: holiday } }
              - { if: { schedule: office, state: closed }, do: { goto: closed } }
            else: { goto: main }
          main:
            type: menu
            prompts: { long: [menu] }
            routes:
              - { digits: "0", when: { schedule: office, state: open }, do: { transfer: { to: "queue:operators" } } }
              - { digits: "0", do: { goto: closed } }
          holiday: { type: play, prompts: [holiday_closed], then: { hangup: {} } }
          closed: { type: play, prompts: [closed], then: { hangup: {} } }
        """

    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    @Test(arguments: [
        ("2027-05-10T12:00:00+03:00", "play:menu"),  // Monday, open
        ("2027-05-09T12:00:00+03:00", "play:victory_day,holiday_closed"),  // the holiday's own prompt first
        ("2027-06-12T12:00:00+03:00", "transfer:tel:+74950000000"),  // the holiday's own route
        ("2027-11-04T12:00:00+03:00", "play:holiday_closed"),  // a plain holiday
        ("2027-11-06T12:00:00+03:00", "play:menu"),  // a transferred working Saturday
        ("2027-11-06T15:00:00+03:00", "play:closed"),  // its hours end at 15:00
        ("2027-11-13T12:00:00+03:00", "play:closed"),  // an ordinary Saturday
        ("2027-05-10T08:59:59+03:00", "play:closed"),
    ])
    func entryBranchFollowsTheCalendar(time: String, first: String) throws {
        let h = Harness(try menu(Self.yaml), at: Self.at(time))
        #expect(h.decisions.first == first, "\(h.steps)")
    }

    /// A caller who entered at 18:59 and asks for the operator at 19:01 gets the closed branch.
    @Test func routeConditionsUseTheTimeOfTheKey() throws {
        var h = Harness(try menu(Self.yaml), at: Self.at("2027-05-10T18:59:00+03:00"))
        h.wait(120_000)
        h.press("0")
        #expect(h.decisions.last == "play:closed")

        h = Harness(try menu(Self.yaml), at: Self.at("2027-05-10T18:59:00+03:00"))
        h.wait(59_999)
        h.press("0")
        #expect(h.decisions.last == "transfer:queue:operators")
    }
}

/// `prompts.items`: an id that plays a sequence of files, or speaks a value (§3.1).
@Suite struct PromptItemTests {
    @Test func filesAndSayItemsExpandIntoSegments() throws {
        let yaml = """
            version: 1
            prompts:
              root: /nonexistent
              items:
                welcome: { files: [hello, company_name], barge_in: false }
                ticket_readout: { say: { digits: "${call.ticket}" } }
            lines: [ { match: { any: true }, entry: main } ]
            logging: { ticket: { format: "{seq:3}" } }
            nodes:
              main:
                type: menu
                prompts: { long: [welcome, ticket_readout, menu] }
                routes: [ { digits: "1", do: { hangup: {} } } ]
            """
        var h = Harness(try menu(yaml))
        #expect(h.playing == ["hello", "company_name", "say:digits:001", "menu"])
        #expect(h.call.queue.prefix(2).allSatisfy { !$0.bargeIn })
        h.press("1")  // during `hello`: not interruptible, discarded
        #expect(h.playing.count == 4)
        h.promptDone(2)
        h.press("1")  // during the read-out: barges in
        #expect(h.call.router.ended)
    }
}
