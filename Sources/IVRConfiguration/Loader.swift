import DSPCore
import Foundation
import IVRCalendar
import Yams

/// A reference to check once every node is known.
struct Reference {
    enum Kind { case node, language, schedule, prompt, variable }
    var kind: Kind
    var template: Template
    var node: Yams.Node
    /// The node the reference is made in (for `play: invalid` and friends).
    var context: String?
}

/// One pass over the tree: builds the configuration and records references and problems.
final class Loader {
    let reader: ConfigurationReader
    let text: String
    var references: [Reference] = []
    /// Where each node is defined, and the raw menu fields of `defaults`.
    var nodeKeys: [String: Yams.Node] = [:]
    var defaults = MenuFields()
    /// The YAML node of each menu's routes (for route messages).
    var routeNodes: [String: [Yams.Node]] = [:]
    /// Variables set by `set: {vars.x: …}` anywhere.
    var assignedVariables: Set<String> = []
    /// Branch node -> the nodes its cases and `else` go to (for the branch-only cycle check).
    var branchTargets: [String: [(String, Yams.Node)]] = [:]
    /// Every `goto`: the node it is in (nil: `defaults`, i.e. every menu), its target and where.
    var gotoEdges: [(from: String?, to: String, node: Yams.Node)] = []
    /// Holiday prompts and routes, by schedule and holiday index.
    var holidayExtras: [String: [Int: MenuConfiguration.HolidayExtras]] = [:]
    /// `play: invalid | noinput | long | short` uses and the node they are in (nil: `defaults`).
    var playListUses: [(String?, Yams.Node)] = []

    init(reader: ConfigurationReader, text: String) {
        self.reader = reader
        self.text = text
    }

    static let topKeys = [
        "version", "languages", "prompts", "defaults", "schedules", "lines", "nodes", "limits", "logging", "tests",
    ]

    func load(_ root: Yams.Node) -> MenuConfiguration? {
        guard let top = reader.mapping(root, "the menu file", allowed: Self.topKeys) else { return nil }
        let entries = Dictionary(top.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        func value(_ key: String) -> Yams.Node? { entries[key]?.value }

        let version = reader.int(value("version"), "version", in: 1...1)
        if value("version") == nil { reader.error(root, "`version: 1` is required") }

        var languages = MenuConfiguration.Languages()
        if let map = reader.mapping(value("languages"), "languages", allowed: ["default", "supported", "fallback"]) {
            for (key, _, node) in map {
                switch key {
                case "default": languages.defaultLanguage = reader.string(node, "languages.default") ?? "ru"
                case "supported": languages.supported = strings(node, "languages.supported")
                default: languages.fallback = strings(node, "languages.fallback")
                }
            }
        }
        if languages.supported.isEmpty { languages.supported = [languages.defaultLanguage] }
        if !languages.supported.contains(languages.defaultLanguage) {
            reader.error(
                entries["languages"]?.value,
                "languages.default `\(languages.defaultLanguage)` is not in languages.supported")
        }

        let prompts = loadPrompts(value("prompts"), root: root)
        if let node = value("defaults") {
            defaults = menuFields(node, "defaults", allowed: MenuFields.keys)
        }
        var schedules: [String: Schedule] = [:]
        if let map = reader.mapping(value("schedules"), "schedules") {
            for (name, _, node) in map {
                if let schedule = loadSchedule(node, name: name) { schedules[name] = schedule }
            }
        }
        let lines = loadLines(value("lines"), root: root)
        var nodes: [String: Node] = [:]
        if let map = reader.mapping(value("nodes"), "nodes") {
            for (name, keyNode, node) in map {
                nodeKeys[name] = keyNode
                if let loaded = loadNode(node, name: name) { nodes[name] = loaded }
            }
        } else {
            reader.error(root, "`nodes:` is required")
        }
        let limits = loadLimits(value("limits"))
        let logging = loadLogging(value("logging"))
        let tests = loadTests(value("tests"))

        let hash = Self.fnv1a(text)
        var configuration = MenuConfiguration(
            version: version ?? 1, languages: languages, prompts: prompts, schedules: schedules, lines: lines,
            nodes: nodes, limits: limits, logging: logging, tests: tests, path: reader.path, versionHash: hash)
        configuration.holidayExtras = holidayExtras
        configuration.promptReferences = references.filter { $0.kind == .prompt }.map {
            MenuConfiguration.PromptReference(
                template: $0.template, location: reader.location($0.node), line: $0.node.mark?.line ?? 0,
                column: $0.node.mark?.column ?? 0)
        }
        validate(configuration, topEntries: entries)
        return configuration
    }

    /// FNV-1a 64 of the text, as 16 hex digits: the version hash logged on reload.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    func strings(_ node: Yams.Node?, _ what: String) -> [String] {
        (reader.sequence(node, what, scalarAsList: true) ?? []).compactMap { reader.string($0, what) }
    }

    // MARK: - Prompts, lines, limits, logging

    func loadPrompts(_ node: Yams.Node?, root: Yams.Node) -> MenuConfiguration.PromptSettings {
        var settings = MenuConfiguration.PromptSettings(root: "")
        guard let map = reader.mapping(node, "prompts", allowed: ["root", "formats", "items"]) else {
            reader.error(node ?? root, "`prompts: {root: …}` is required")
            return settings
        }
        var haveRoot = false
        for (key, _, value) in map {
            switch key {
            case "root":
                if let path = reader.string(value, "prompts.root") {
                    haveRoot = true
                    settings.root = Self.resolve(path, against: reader.path)
                }
            case "formats":
                let formats = strings(value, "prompts.formats")
                for (index, format) in formats.enumerated() where !Self.promptFormats.contains(format) {
                    reader.error(
                        reader.sequence(value, "prompts.formats", scalarAsList: true)?[index],
                        "unknown prompt format `\(format)`; known: \(Self.promptFormats.joined(separator: ", "))")
                }
                if !formats.isEmpty { settings.formats = formats }
            default:
                for (id, _, itemNode) in reader.mapping(value, "prompts.items") ?? [] {
                    var item = MenuConfiguration.PromptItem()
                    let allowed = ["barge_in", "language_neutral", "files", "say"]
                    for (field, _, fieldNode) in reader.mapping(itemNode, "prompts.items.\(id)", allowed: allowed) ?? []
                    {
                        switch field {
                        case "barge_in": item.bargeIn = reader.bool(fieldNode, "barge_in")
                        case "language_neutral":
                            item.languageNeutral = reader.bool(fieldNode, "language_neutral") ?? false
                        case "files":
                            item.files = promptList(fieldNode, "files").map(\.text)
                        default:
                            let entries = reader.mapping(fieldNode, "say", allowed: ["digits", "number"]) ?? []
                            guard entries.count == 1, let (kind, _, valueNode) = entries.first,
                                let template = reader.template(valueNode, "say")
                            else {
                                reader.error(fieldNode, "say takes one of {digits: \"${…}\"} or {number: \"${…}\"}")
                                continue
                            }
                            variableUses(template, valueNode)
                            item.say = Action.Say(kind: kind == "digits" ? .digits : .number, value: template)
                        }
                    }
                    if item.files != nil, item.say != nil {
                        reader.error(itemNode, "prompts.items.\(id): `files` and `say` exclude each other")
                    }
                    settings.items[id] = item
                }
            }
        }
        if !haveRoot { reader.error(node, "prompts.root is required") }
        return settings
    }

    static let promptFormats = ["opus", "alaw", "ulaw", "wav", "sln"]

    /// A relative path is taken from the folder of the menu file.
    static func resolve(_ path: String, against file: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    func loadLines(_ node: Yams.Node?, root: Yams.Node) -> [MenuConfiguration.Line] {
        guard let items = reader.sequence(node, "lines") else {
            reader.error(root, "`lines:` is required (which line enters which node)")
            return []
        }
        var lines: [MenuConfiguration.Line] = []
        for item in items {
            guard let map = reader.mapping(item, "a line", allowed: ["match", "entry", "vars"]) else { continue }
            var match: MenuConfiguration.Line.Match?
            var entry: String?
            var vars: [(key: String, value: String)] = []
            for (key, _, value) in map {
                switch key {
                case "match":
                    let fields = reader.mapping(value, "line match", allowed: ["line", "did", "any"]) ?? []
                    if fields.count != 1 { reader.error(value, "a line match has exactly one of line, did, any") }
                    if let (field, _, fieldNode) = fields.first {
                        switch field {
                        case "line": match = reader.string(fieldNode, "match.line").map { .line($0) }
                        case "did": match = reader.string(fieldNode, "match.did").map { .did($0) }
                        default:
                            if reader.bool(fieldNode, "match.any") == true { match = .any }
                        }
                    }
                case "entry":
                    if let name = reader.string(value, "entry") {
                        entry = name
                        references.append(Reference(kind: .node, template: Template(literal: name), node: value))
                    }
                default:
                    for (name, _, varNode) in reader.mapping(value, "vars") ?? [] {
                        if let text = reader.string(varNode, "vars.\(name)") { vars.append((name, text)) }
                    }
                }
            }
            guard let match, let entry else {
                reader.error(item, "a line needs `match:` and `entry:`")
                continue
            }
            lines.append(MenuConfiguration.Line(match: match, entry: entry, vars: vars))
        }
        return lines
    }

    func loadLimits(_ node: Yams.Node?) -> MenuConfiguration.Limits {
        var limits = MenuConfiguration.Limits()
        for (key, _, value) in reader.mapping(
            node, "limits", allowed: ["max_stack_depth", "max_ivr_seconds", "max_node_visits"]) ?? []
        {
            switch key {
            case "max_stack_depth": limits.maxStackDepth = reader.int(value, key, in: 1...64) ?? limits.maxStackDepth
            case "max_ivr_seconds":
                limits.maxIVRSeconds = reader.int(value, key, in: 0...86_400) ?? limits.maxIVRSeconds
            default: limits.maxNodeVisits = reader.int(value, key, in: 1...10_000) ?? limits.maxNodeVisits
            }
        }
        return limits
    }

    static let logEvents: Set<String> = [
        "call_start", "menu_enter", "digits", "route", "invalid", "noinput", "language", "transfer",
        "transfer_result", "hangup", "call_end", "prompt_missing", "config_reloaded", "dtmf", "prompt_start",
        "prompt_end", "limit", "error",
    ]

    func loadLogging(_ node: Yams.Node?) -> MenuConfiguration.Logging {
        var logging = MenuConfiguration.Logging()
        for (key, _, value) in reader.mapping(
            node, "logging", allowed: ["sink", "timestamp", "local_time_zone", "ticket", "events"]) ?? []
        {
            switch key {
            case "sink":
                logging.sink = reader.string(value, "logging.sink")
                if let sink = logging.sink, sink != "stdout", !sink.hasPrefix("file:"), !sink.hasPrefix("syslog:") {
                    reader.error(value, "logging.sink must be stdout, file:PATH or syslog:FACILITY, not \"\(sink)\"")
                }
            case "timestamp":
                if let format = reader.string(value, "logging.timestamp"), format != "iso8601_utc_ms" {
                    reader.error(value, "logging.timestamp: only iso8601_utc_ms is supported, not \"\(format)\"")
                }
            case "local_time_zone": logging.localTimeZone = timeZone(value, "logging.local_time_zone")
            case "ticket": logging.ticket = loadTicket(value)
            default:
                var events = Set<String>()
                for item in reader.sequence(value, "logging.events") ?? [] {
                    guard let name = reader.string(item, "an event") else { continue }
                    if !Self.logEvents.contains(name) {
                        reader.warning(item, "`\(name)` is not an event the router writes (a `log:` action may)")
                    }
                    events.insert(name)
                }
                logging.events = events
            }
        }
        return logging
    }

    // MARK: - Tests

    func loadTests(_ node: Yams.Node?) -> [Scenario] {
        var scenarios: [Scenario] = []
        for item in reader.sequence(node, "tests") ?? [] {
            guard
                let map = reader.mapping(
                    item, "a test", allowed: ["name", "line", "did", "caller", "now", "script", "expect"])
            else { continue }
            var scenario = Scenario(
                name: "test at \(reader.location(item))", line: nil, did: nil, caller: nil,
                start: Date(timeIntervalSince1970: 0), script: [], expect: [], location: reader.location(item))
            var haveNow = false
            for (key, _, value) in map {
                switch key {
                case "name": scenario.name = reader.string(value, "test name") ?? scenario.name
                case "line": scenario.line = reader.string(value, "test line")
                case "did": scenario.did = reader.string(value, "test did")
                case "caller": scenario.caller = reader.string(value, "test caller")
                case "now":
                    // A `now:` that is given but wrong is reported once, here, not again as missing.
                    haveNow = true
                    if let text = reader.string(value, "now") {
                        if let date = Timestamp.parse(text) {
                            scenario.start = date
                        } else {
                            reader.error(
                                value, "now: \"\(text)\" is not an ISO 8601 time such as 2027-03-14T18:59:00+03:00")
                        }
                    }
                case "script": scenario.script = loadScript(value)
                default:
                    for step in reader.sequence(value, "expect") ?? [] {
                        guard let entries = reader.mapping(step, "an expected step"), entries.count == 1,
                            let (verb, _, expected) = entries.first
                        else {
                            reader.error(
                                step,
                                "an expected step is a map with one verb, such as `{ transfer: { to: \"queue:sales\" } }`"
                            )
                            continue
                        }
                        scenario.expect.append(
                            Scenario.Expectation(
                                verb: verb, value: traceValue(expected), location: reader.location(step)))
                    }
                }
            }
            if !haveNow { reader.error(item, "a test needs `now:` (the call's start, ISO 8601 with offset)") }
            scenarios.append(scenario)
        }
        return scenarios
    }

    func loadScript(_ node: Yams.Node) -> [Scenario.Step] {
        var steps: [Scenario.Step] = []
        for item in reader.sequence(node, "script") ?? [] {
            guard
                let entries = reader.mapping(
                    item, "a script step", allowed: ["prompt_done", "dtmf", "wait_ms", "transfer_result", "hangup"]),
                entries.count == 1, let (key, _, value) = entries.first
            else {
                reader.error(
                    item,
                    "a script step is one of {prompt_done: true}, {dtmf: \"12\"}, {wait_ms: 4000}, {transfer_result: busy}, {hangup: true}"
                )
                continue
            }
            switch key {
            case "prompt_done": if reader.bool(value, "prompt_done") == true { steps.append(.promptDone) }
            case "dtmf":
                if let text = reader.string(value, "dtmf") {
                    if let digits = DTMFDigit.parse(text) {
                        steps.append(.dtmf(digits))
                    } else {
                        reader.error(value, "dtmf: \"\(text)\" has a character that is not a key (0-9 * # A-D)")
                    }
                }
            case "wait_ms":
                if let ms = reader.int(value, "wait_ms", in: 0...86_400_000) { steps.append(.wait(milliseconds: ms)) }
            case "transfer_result":
                if let result = reader.oneOf(value, "transfer_result", TransferResult.self) {
                    steps.append(.transferResult(result))
                }
            default: if reader.bool(value, "hangup") == true { steps.append(.hangup) }
            }
        }
        return steps
    }

    func traceValue(_ node: Yams.Node) -> TraceValue {
        switch node {
        case .scalar(let scalar): return .string(scalar.string)
        case .sequence(let sequence): return .list(sequence.map { traceValue($0) })
        case .mapping(let mapping):
            var map: [String: TraceValue] = [:]
            for (key, value) in mapping { map[key.string ?? ""] = traceValue(value) }
            return .map(map)
        case .alias: return .string("")
        }
    }
}
