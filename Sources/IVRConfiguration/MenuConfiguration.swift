import DSPCore
import Foundation
import IVRCalendar

/// A whole menu file (ivr-config.md §3): languages, prompts, defaults, schedules, lines, nodes, limits,
/// logging and test scenarios, parsed and validated (`MenuConfiguration.load`), ready for `Router`.
///
/// Everything is resolved at load: menus carry their own timers, retries and handlers with `defaults`
/// and the built-in defaults applied, so the router never looks anything up twice.
public struct MenuConfiguration: Sendable {
    public var version: Int
    public var languages: Languages
    public var prompts: PromptSettings
    public var schedules: [String: Schedule]
    public var lines: [Line]
    public var nodes: [String: Node]
    public var limits: Limits
    public var logging: Logging
    public var tests: [Scenario]
    /// The file it was read from (for messages), and a hash of its text (logged as `config_reloaded`).
    public var path: String
    public var versionHash: String
    /// A holiday's own prompt and route (`holidays: [{…, prompt: […], route: action}]`), by schedule name
    /// and the holiday's index in that schedule: a branch case `{schedule: S, state: holiday}` that holds
    /// plays the prompt first and runs the route instead of its own `do` (ivr-config.md §3.5).
    public var holidayExtras: [String: [Int: HolidayExtras]] = [:]

    public struct HolidayExtras: Sendable, Hashable {
        public var prompts: [Template]
        public var route: [Action]?
    }

    /// Every prompt id the file names, with where (for the prompt check, which needs the prompt files).
    public var promptReferences: [PromptReference] = []

    public struct PromptReference: Sendable, Hashable {
        public var template: Template
        public var location: String
        public var line: Int
        public var column: Int
    }

    public struct Languages: Sendable, Hashable {
        public var defaultLanguage: String = "ru"
        public var supported: [String] = []
        public var fallback: [String] = []
    }

    public struct PromptSettings: Sendable, Hashable {
        /// The prompt root, resolved against the menu file's folder when relative.
        public var root: String
        public var formats: [String] = ["opus", "alaw", "ulaw", "wav"]
        public var items: [String: PromptItem] = [:]
    }

    /// Per-prompt properties (`prompts.items.<id>`).
    public struct PromptItem: Sendable, Hashable {
        public var bargeIn: Bool?
        public var languageNeutral = false
        /// `files: [a, b]`: the id plays these prompts in order instead of a file of its own.
        public var files: [String]?
        /// `say: {digits: "${…}"}`: the id speaks a value instead of playing a file.
        public var say: Action.Say?

        /// True when the id stands for other prompts (`files`) or a `say`, not a file of its own.
        public var isAlias: Bool { files != nil || say != nil }
    }

    public struct Line: Sendable, Hashable {
        public enum Match: Sendable, Hashable {
            case line(String)
            case did(String)
            case any
        }
        public var match: Match
        public var entry: String
        /// The line's variables, in file order.
        public var vars: [(key: String, value: String)]

        public static func == (lhs: Line, rhs: Line) -> Bool {
            lhs.match == rhs.match && lhs.entry == rhs.entry && lhs.vars.elementsEqual(rhs.vars, by: { $0 == $1 })
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(match)
            hasher.combine(entry)
            for (key, value) in vars {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }

    public struct Limits: Sendable, Hashable {
        public var maxStackDepth = 12
        public var maxIVRSeconds = 600
        public var maxNodeVisits = 20
    }

    public struct Logging: Sendable {
        public var sink: String?
        /// Local time zone for `ts_local`; nil: no `ts_local` field.
        public var localTimeZone: TimeZone?
        public var ticket: TicketSettings?
        /// The events written; nil: all.
        public var events: Set<String>?
    }

    public struct TicketSettings: Sendable {
        public var format: TicketFormat
        public var reset: TicketCounter.Reset
        public var timeZone: TimeZone
    }

    /// The values a template can take before any call: a literal once (no line); a template of `vars.*`
    /// only, once per line with that line's `vars` (named by its id, number or `any`); anything else
    /// (`${input}`, `${language}`, …) none, since only a call knows it. For the checks of prompts and
    /// schedules that the file names through variables.
    public func lineExpansions(of template: Template) -> [(line: String?, value: String)] {
        if template.isLiteral { return [(nil, template.text)] }
        guard template.references.allSatisfy({ $0.hasPrefix("vars.") }) else { return [] }
        return lines.map { line in
            let name: String
            switch line.match {
            case .line(let id): name = id
            case .did(let number): name = number
            case .any: name = "any"
            }
            let value = template.expand { reference in
                line.vars.first { $0.key == String(reference.dropFirst(5)) }?.value
            }
            return (name, value)
        }
    }

    /// The line that takes a call on `line` (a line id) to `did` (the number called): the first whose
    /// `match` fits, in file order.
    public func line(id: String?, did: String?) -> Line? {
        lines.first { line in
            switch line.match {
            case .any: true
            case .line(let name): name == id
            case .did(let number): number == did
            }
        }
    }
}

// MARK: - Nodes

/// A node of the menu graph (§3.2).
public struct Node: Sendable {
    public enum Kind: Sendable {
        case menu(Menu)
        case branch(Branch)
        case play(Play)
    }
    public var name: String
    public var kind: Kind
    /// Non-terminal actions run on every entry (`log`, `set`, `play`, `say`).
    public var onEnter: [Action]
}

public enum MatchMode: String, Sendable, Hashable, CaseIterable {
    case eager, shortest, strict
}

/// A menu (§3.3) with every field resolved.
public struct Menu: Sendable {
    public var prompts: Prompts
    public var routes: [Route]
    /// nil: no bound but the terminator (and `max_input_ms`).
    public var maxDigits: Int?
    /// nil: no terminator (`terminator: ""`).
    public var terminator: DTMFDigit?
    public var match: MatchMode
    public var failFast: Bool
    public var timers: Timers
    public var bargeIn: Bool
    public var typeahead: Bool
    public var retries: Retries
    public var onNoinput: [Escalation]
    public var onInvalid: [Escalation]
    public var onMaxNoinput: [Action]
    public var onMaxInvalid: [Action]

    public struct Prompts: Sendable, Hashable {
        public var long: [Template] = []
        public var short: [Template] = []
        public var invalid: [Template] = []
        public var noinput: [Template] = []
    }

    public struct Timers: Sendable, Hashable {
        public var firstDigitMilliseconds = 5000
        public var interDigitMilliseconds = 3000
        public var termMilliseconds = 0
        public var maxInputMilliseconds = 0
    }

    public struct Retries: Sendable, Hashable {
        public var maxNoinput = 3
        public var maxInvalid = 3
        /// 0: off.
        public var maxAttempts = 0
    }

    /// A handler that applies from the `count`-th event of its kind on (§1: the highest count ≤ n wins).
    public struct Escalation: Sendable, Hashable {
        public var count: Int
        public var actions: [Action]
    }
}

/// One route of a menu: what it matches, when it applies and what it does.
public struct Route: Sendable, Hashable {
    public enum Matcher: Sendable, Hashable {
        case digits(String)
        case pattern(DigitPattern)
        case regex(RouteRegex)
    }
    public var matcher: Matcher
    public var actions: [Action]
    public var condition: Condition?
    public var label: String?

    /// The label, or the matcher as written (for logs).
    public var name: String {
        if let label { return label }
        switch matcher {
        case .digits(let digits): return digits
        case .pattern(let pattern): return pattern.text
        case .regex(let regex): return regex.text
        }
    }
}

public struct Branch: Sendable, Hashable {
    public var cases: [Case]
    public var otherwise: [Action]

    public struct Case: Sendable, Hashable {
        public var condition: Condition
        public var actions: [Action]
    }
}

public struct Play: Sendable, Hashable {
    public var prompts: [Template]
    public var bargeIn: Bool
    public var then: [Action]
}

// MARK: - Actions and conditions

/// A verb of §3.4. Terminal verbs end the node; the others run in order before them.
public indirect enum Action: Sendable, Hashable {
    case goto(String)
    case back(Int)
    case top
    case repeatPrompts(PromptList)
    case transfer(Transfer)
    case hangup(Hangup)
    case play(PlaySource)
    case say(Say)
    case set(Assignment)
    case log(LogAction)

    public var isTerminal: Bool {
        switch self {
        case .goto, .back, .top, .repeatPrompts, .transfer, .hangup: true
        case .play, .say, .set, .log: false
        }
    }

    /// The verb as written in the file.
    public var verb: String {
        switch self {
        case .goto: "goto"
        case .back: "back"
        case .top: "top"
        case .repeatPrompts: "repeat"
        case .transfer: "transfer"
        case .hangup: "hangup"
        case .play: "play"
        case .say: "say"
        case .set: "set"
        case .log: "log"
        }
    }

    /// One of a menu's prompt lists.
    public enum PromptList: String, Sendable, Hashable, CaseIterable {
        case long, short, invalid, noinput
    }

    public enum PlaySource: Sendable, Hashable {
        case prompts([Template])
        case list(PromptList)
    }

    public struct Transfer: Sendable, Hashable {
        public enum Mode: String, Sendable, Hashable, CaseIterable { case blind, bridge }
        public var to: Template
        public var mode: Mode = .blind
        public var announce: [Template] = []
        public var ringTimeoutSeconds = 30
        public var callerID = "keep"
        /// Only for `bridge`: run on busy, no answer or failure.
        public var onFail: [Action]?
    }

    public struct Hangup: Sendable, Hashable {
        public var play: [Template] = []
        public var cause = "normal"
    }

    public struct Say: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable { case digits, number }
        public var kind: Kind
        public var value: Template
    }

    public struct Assignment: Sendable, Hashable {
        public var language: Template?
        /// `vars.NAME: value` pairs in file order (NAME without `vars.`).
        public var vars: [Pair]
    }

    public struct LogAction: Sendable, Hashable {
        public var event: String
        public var fields: [Pair]
    }

    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: Template
    }
}

public indirect enum Condition: Sendable, Hashable {
    case schedule(name: Template, state: ScheduleState)
    case language(String)
    case variable(name: String, value: Template)
    case caller(DigitPattern)
    case all([Condition])
    case any([Condition])
    case not(Condition)
}

// MARK: - Test scenarios

/// A `tests:` scenario (§3.8): a call on a line at a time, a script of what the caller and the media side
/// do, and the steps expected, in order (other steps may come between them).
public struct Scenario: Sendable {
    public var name: String
    public var line: String?
    public var did: String?
    public var caller: String?
    public var start: Date
    public var script: [Step]
    public var expect: [Expectation]
    /// Where the scenario is in the file (`file:line:column`).
    public var location: String

    public enum Step: Sendable, Hashable {
        /// The prompt that is playing finishes.
        case promptDone
        /// The caller presses these keys, one after the other.
        case dtmf([DTMFDigit])
        /// Virtual time passes (timers fire).
        case wait(milliseconds: Int)
        case transferResult(TransferResult)
        case hangup
    }

    public struct Expectation: Sendable, Hashable {
        public var verb: String
        public var value: TraceValue
        public var location: String
    }
}

/// The outcome of a bridged transfer, reported by the telephony side.
public enum TransferResult: String, Sendable, Hashable, CaseIterable {
    case ok, busy, noanswer, failed
}

/// A small tree of values, for scenario expectations and the trace they are matched against.
public indirect enum TraceValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case list([TraceValue])
    case map([String: TraceValue])

    /// True when every part of `expected` is in `self`: strings equal, lists element by element, and
    /// every key of an expected map present with a matching value (extra keys are allowed).
    public func contains(_ expected: TraceValue) -> Bool {
        switch (expected, self) {
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(b, a).allSatisfy { $0.contains($1) }
        case (.map(let a), .map(let b)):
            return a.allSatisfy { key, value in b[key].map { $0.contains(value) } ?? false }
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .string(let s): return s
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let map):
            return "{" + map.keys.sorted().map { "\($0): \(map[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
