import DSPCore
import Foundation
import IVRCalendar
import Yams

extension Loader {
    // MARK: - Nodes

    func loadNode(_ node: Yams.Node, name: String) -> Node? {
        guard case .mapping = node else {
            reader.error(node, "node `\(name)` must be a mapping with `type: menu | branch | play`")
            return nil
        }
        guard let typeNode = node["type"], let type = reader.string(typeNode, "type") else {
            reader.error(node, "node `\(name)` needs `type: menu | branch | play`")
            return nil
        }
        var onEnter: [Action] = []
        if let enterNode = node["on_enter"] {
            onEnter = actions(enterNode, context: name)
            for (index, action) in onEnter.enumerated() where action.isTerminal {
                reader.error(
                    actionNodes(enterNode)[safe: index] ?? enterNode,
                    "on_enter takes only non-terminal actions (log, set, play, say), not `\(action.verb)`")
            }
        }
        switch type {
        case "menu":
            let fields = menuFields(
                node, "menu `\(name)`", allowed: MenuFields.keys + ["type", "on_enter"], menu: name)
            return Node(name: name, kind: .menu(resolve(fields, name: name, node: node)), onEnter: onEnter)
        case "branch":
            let allowed = ["type", "on_enter", "cases", "else"]
            var branch = Branch(cases: [], otherwise: [])
            var targets: [(String, Yams.Node)] = []
            for (key, _, value) in reader.mapping(node, "branch `\(name)`", allowed: allowed) ?? [] {
                switch key {
                case "cases":
                    for item in reader.sequence(value, "cases") ?? [] {
                        guard let map = reader.mapping(item, "a case", allowed: ["if", "do"]),
                            let ifNode = item["if"], let doNode = item["do"]
                        else {
                            reader.error(item, "a case needs `if:` and `do:`")
                            continue
                        }
                        _ = map
                        guard let condition = condition(ifNode) else { continue }
                        let list = actions(doNode, context: name)
                        requireTerminal(list, doNode, "a branch case")
                        targets += gotoTargets(list, doNode)
                        branch.cases.append(Branch.Case(condition: condition, actions: list))
                    }
                case "else":
                    branch.otherwise = actions(value, context: name)
                    requireTerminal(branch.otherwise, value, "a branch's else")
                    targets += gotoTargets(branch.otherwise, value)
                default: break
                }
            }
            if node["else"] == nil {
                reader.error(node, "branch `\(name)` needs `else:` (what happens when no case holds)")
            }
            branchTargets[name] = targets
            return Node(name: name, kind: .branch(branch), onEnter: onEnter)
        case "play":
            var play = Play(prompts: [], bargeIn: true, then: [])
            for (key, _, value) in reader.mapping(
                node, "play node `\(name)`", allowed: ["type", "on_enter", "prompts", "barge_in", "then"]) ?? []
            {
                switch key {
                case "prompts": play.prompts = promptList(value, "prompts")
                case "barge_in": play.bargeIn = reader.bool(value, "barge_in") ?? true
                case "then":
                    play.then = actions(value, context: name)
                    requireTerminal(play.then, value, "a play node's then")
                default: break
                }
            }
            if node["then"] == nil {
                reader.error(node, "play node `\(name)` needs `then:` (what follows the announcement)")
            }
            return Node(name: name, kind: .play(play), onEnter: onEnter)
        default:
            reader.error(typeNode, "node `\(name)`: type must be menu, branch or play, not \"\(type)\"")
            return nil
        }
    }

    func gotoTargets(_ list: [Action], _ node: Yams.Node) -> [(String, Yams.Node)] {
        list.compactMap { if case .goto(let target) = $0 { (target, node) } else { nil } }
    }

    func requireTerminal(_ list: [Action], _ node: Yams.Node, _ what: String) {
        if list.last?.isTerminal != true {
            reader.error(node, "\(what) must end with goto, back, top, transfer or hangup (nothing else follows it)")
        }
    }

    func menuFields(_ node: Yams.Node, _ what: String, allowed: [String], menu: String? = nil) -> MenuFields {
        var fields = MenuFields()
        for (key, _, value) in reader.mapping(node, what, allowed: allowed) ?? [] {
            switch key {
            case "prompts":
                for (list, _, listNode) in reader.mapping(
                    value, "\(what) prompts", allowed: ["long", "short", "invalid", "noinput"]) ?? []
                {
                    let prompts = promptList(listNode, "prompts.\(list)")
                    switch list {
                    case "long": fields.prompts.long = prompts
                    case "short": fields.prompts.short = prompts
                    case "invalid": fields.prompts.invalid = prompts
                    default: fields.prompts.noinput = prompts
                    }
                }
            case "routes":
                var routes: [Route] = []
                var nodes: [Yams.Node] = []
                for item in reader.sequence(value, "routes") ?? [] {
                    if let route = route(item, context: menu) {
                        routes.append(route)
                        nodes.append(item)
                    }
                }
                fields.routes = routes
                if let menu { routeNodes[menu] = nodes }
            case "max_digits": fields.maxDigits = reader.int(value, "max_digits", in: 1...64)
            case "terminator":
                if let text = reader.string(value, "terminator") {
                    if text.isEmpty {
                        fields.terminator = .some(nil)
                    } else if text.count == 1, let digit = DTMFDigit(text.first!) {
                        fields.terminator = .some(digit)
                    } else {
                        reader.error(
                            value, "terminator must be one key (\"#\", \"*\") or \"\" for none, not \"\(text)\"")
                    }
                }
            case "match": fields.match = reader.oneOf(value, "match", MatchMode.self)
            case "fail_fast": fields.failFast = reader.bool(value, "fail_fast")
            case "timers":
                let names = ["first_digit_ms", "inter_digit_ms", "term_ms", "max_input_ms"]
                for (timer, _, timerNode) in reader.mapping(value, "timers", allowed: names) ?? [] {
                    let ms = reader.int(timerNode, "timers.\(timer)", in: 0...3_600_000)
                    switch timer {
                    case "first_digit_ms": fields.firstDigit = ms
                    case "inter_digit_ms": fields.interDigit = ms
                    case "term_ms": fields.term = ms
                    default: fields.maxInput = ms
                    }
                }
            case "barge_in": fields.bargeIn = reader.bool(value, "barge_in")
            case "typeahead": fields.typeahead = reader.bool(value, "typeahead")
            case "retries":
                let names = ["max_noinput", "max_invalid", "max_attempts"]
                for (retry, _, retryNode) in reader.mapping(value, "retries", allowed: names) ?? [] {
                    let count = reader.int(
                        retryNode, "retries.\(retry)", in: retry == "max_attempts" ? 0...100 : 1...100)
                    switch retry {
                    case "max_noinput": fields.maxNoinput = count
                    case "max_invalid": fields.maxInvalid = count
                    default: fields.maxAttempts = count
                    }
                }
            case "on_noinput": fields.onNoinput = escalations(value, context: menu)
            case "on_invalid": fields.onInvalid = escalations(value, context: menu)
            case "on_max_noinput":
                fields.onMaxNoinput = actions(value, context: menu)
                requireTerminal(fields.onMaxNoinput ?? [], value, "on_max_noinput")
            case "on_max_invalid":
                fields.onMaxInvalid = actions(value, context: menu)
                requireTerminal(fields.onMaxInvalid ?? [], value, "on_max_invalid")
            default: break  // type, on_enter: read by loadNode
            }
        }
        return fields
    }

    /// A menu with its own fields, then `defaults`, then the built-in defaults (§3.3).
    func resolve(_ own: MenuFields, name: String, node: Yams.Node) -> Menu {
        let d = defaults
        let builtIn = Menu.Timers()
        let retries = Menu.Retries()
        let long = own.prompts.long ?? d.prompts.long ?? []
        let routes = own.routes ?? d.routes ?? []
        let terminator: DTMFDigit? = own.terminator ?? d.terminator ?? DTMFDigit.pound
        var maxDigits = own.maxDigits ?? d.maxDigits
        if maxDigits == nil {
            // The longest fixed route; none when a route has no fixed length.
            var lengths: [Int] = []
            var variable = false
            for route in routes {
                switch route.matcher {
                case .digits(let digits): lengths.append(digits.count)
                case .pattern(let pattern):
                    if let length = pattern.fixedLength { lengths.append(length) } else { variable = true }
                case .regex: variable = true
                }
            }
            if !variable { maxDigits = lengths.max() }
        }
        return Menu(
            prompts: Menu.Prompts(
                long: long, short: own.prompts.short ?? d.prompts.short ?? long,
                invalid: own.prompts.invalid ?? d.prompts.invalid ?? [],
                noinput: own.prompts.noinput ?? d.prompts.noinput ?? []),
            routes: routes, maxDigits: maxDigits, terminator: terminator,
            match: own.match ?? d.match ?? .eager, failFast: own.failFast ?? d.failFast ?? true,
            timers: Menu.Timers(
                firstDigitMilliseconds: own.firstDigit ?? d.firstDigit ?? builtIn.firstDigitMilliseconds,
                interDigitMilliseconds: own.interDigit ?? d.interDigit ?? builtIn.interDigitMilliseconds,
                termMilliseconds: own.term ?? d.term ?? builtIn.termMilliseconds,
                maxInputMilliseconds: own.maxInput ?? d.maxInput ?? builtIn.maxInputMilliseconds),
            bargeIn: own.bargeIn ?? d.bargeIn ?? true, typeahead: own.typeahead ?? d.typeahead ?? true,
            retries: Menu.Retries(
                maxNoinput: own.maxNoinput ?? d.maxNoinput ?? retries.maxNoinput,
                maxInvalid: own.maxInvalid ?? d.maxInvalid ?? retries.maxInvalid,
                maxAttempts: own.maxAttempts ?? d.maxAttempts ?? retries.maxAttempts),
            onNoinput: own.onNoinput ?? d.onNoinput ?? [Menu.Escalation(count: 1, actions: [.repeatPrompts(.short)])],
            onInvalid: own.onInvalid ?? d.onInvalid
                ?? [Menu.Escalation(count: 1, actions: [.play(.list(.invalid)), .repeatPrompts(.short)])],
            onMaxNoinput: own.onMaxNoinput ?? d.onMaxNoinput ?? Self.goodbye,
            onMaxInvalid: own.onMaxInvalid ?? d.onMaxInvalid ?? Self.goodbye)
    }

    static let goodbye: [Action] = [.hangup(Action.Hangup(play: [Template(literal: "goodbye")], cause: "normal"))]

    // MARK: - Routes

    func route(_ node: Yams.Node, context: String?) -> Route? {
        guard let map = reader.mapping(node, "a route", allowed: ["digits", "pattern", "regex", "do", "when", "label"])
        else { return nil }
        var matcher: Route.Matcher?
        var count = 0
        var actionList: [Action]?
        var condition: Condition?
        var label: String?
        for (key, _, value) in map {
            switch key {
            case "digits":
                count += 1
                if let text = reader.string(value, "digits") {
                    if text.isEmpty || DTMFDigit.parse(text) == nil {
                        reader.error(value, "digits \"\(text)\" must be keys 0-9 * # A-D")
                    } else {
                        matcher = .digits(text.uppercased())
                    }
                }
            case "pattern":
                count += 1
                if let text = reader.string(value, "pattern") {
                    do { matcher = .pattern(try DigitPattern(parsing: text)) } catch {
                        reader.error(value, error.message)
                    }
                }
            case "regex":
                count += 1
                if let text = reader.string(value, "regex") {
                    do { matcher = .regex(try RouteRegex(parsing: text)) } catch { reader.error(value, error.message) }
                }
            case "do": actionList = actions(value, context: context)
            case "when": condition = self.condition(value)
            default: label = reader.string(value, "label")
            }
        }
        if count != 1 {
            reader.error(node, "a route has exactly one of digits, pattern, regex")
            return nil
        }
        guard let actionList else {
            reader.error(node, "a route needs `do:` (what happens when it matches)")
            return nil
        }
        guard let matcher else { return nil }
        return Route(matcher: matcher, actions: actionList, condition: condition, label: label)
    }

    func escalations(_ node: Yams.Node, context: String?) -> [Menu.Escalation] {
        // A list of {count, do} maps, or one action (list) that applies from the first time on.
        if case .sequence(let items) = node, let first = items.first, first["count"] != nil {
            var result: [Menu.Escalation] = []
            for item in items {
                guard reader.mapping(item, "a handler", allowed: ["count", "do"]) != nil,
                    let countNode = item["count"], let doNode = item["do"]
                else {
                    reader.error(item, "a handler step needs `count:` and `do:`")
                    continue
                }
                if let count = reader.int(countNode, "count", in: 1...100) {
                    if result.contains(where: { $0.count == count }) {
                        reader.error(countNode, "two handlers for count \(count)")
                    }
                    result.append(Menu.Escalation(count: count, actions: actions(doNode, context: context)))
                }
            }
            return result
        }
        return [Menu.Escalation(count: 1, actions: actions(node, context: context))]
    }

    // MARK: - Actions

    /// The YAML nodes of an action list's items (one for a single action).
    func actionNodes(_ node: Yams.Node) -> [Yams.Node] {
        if case .sequence(let items) = node { return Array(items) }
        return [node]
    }

    func actions(_ node: Yams.Node, context: String?) -> [Action] {
        var list: [Action] = []
        let items = actionNodes(node)
        for (index, item) in items.enumerated() {
            guard let action = action(item, context: context) else { continue }
            if action.isTerminal, index < items.count - 1 {
                reader.error(items[index + 1], "this never runs: `\(action.verb)` before it ends the node")
            }
            list.append(action)
        }
        return list
    }

    static let verbs = ["goto", "back", "top", "repeat", "transfer", "hangup", "play", "say", "set", "log"]

    func action(_ node: Yams.Node, context: String?) -> Action? {
        guard let entries = reader.mapping(node, "an action", allowed: Self.verbs) else { return nil }
        guard entries.count == 1, let (verb, _, value) = entries.first else {
            if entries.count > 1 {
                reader.error(node, "an action is one verb; write several as a list: [ {…}, {…} ]")
            } else {
                reader.error(node, "an empty action")
            }
            return nil
        }
        switch verb {
        case "goto":
            guard let name = reader.string(value, "goto") else { return nil }
            references.append(Reference(kind: .node, template: Template(literal: name), node: value))
            gotoEdges.append((context, name, value))
            return .goto(name)
        case "back": return reader.int(value, "back", in: 1...64).map { .back($0) }
        case "top": return .top
        case "repeat":
            guard let list = reader.string(value, "repeat") else { return nil }
            guard list == "long" || list == "short" else {
                reader.error(value, "repeat must be long or short, not \"\(list)\"")
                return nil
            }
            return .repeatPrompts(list == "long" ? .long : .short)
        case "transfer": return transfer(value, context: context)
        case "hangup":
            var hangup = Action.Hangup()
            if case .mapping = value {
                for (key, _, field) in reader.mapping(value, "hangup", allowed: ["play", "cause"]) ?? [] {
                    if key == "play" {
                        hangup.play = promptList(field, "hangup.play")
                    } else {
                        hangup.cause = reader.string(field, "hangup.cause") ?? "normal"
                    }
                }
            }
            return .hangup(hangup)
        case "play":
            if case .scalar = value, let name = reader.string(value, "play"),
                let list = Action.PromptList(rawValue: name)
            {
                // In `defaults` (no context) it is resolved per menu; elsewhere validation checks that
                // the node is a menu.
                playListUses.append((context, value))
                return .play(.list(list))
            }
            return .play(.prompts(promptList(value, "play")))
        case "say":
            let entries = reader.mapping(value, "say", allowed: ["digits", "number"]) ?? []
            guard entries.count == 1, let (kind, _, field) = entries.first, let template = reader.template(field, "say")
            else {
                reader.error(value, "say takes one of {digits: \"${…}\"} or {number: \"${…}\"}")
                return nil
            }
            variableUses(template, field)
            return .say(Action.Say(kind: kind == "digits" ? .digits : .number, value: template))
        case "set":
            var assignment = Action.Assignment(language: nil, vars: [])
            for (key, keyNode, field) in reader.mapping(value, "set") ?? [] {
                guard let template = reader.template(field, "set.\(key)") else { continue }
                if key == "language" {
                    assignment.language = template
                    references.append(Reference(kind: .language, template: template, node: field))
                } else if key.hasPrefix("vars."), key.count > 5 {
                    let name = String(key.dropFirst(5))
                    assignedVariables.insert(name)
                    assignment.vars.append(Action.Pair(key: name, value: template))
                    variableUses(template, field)
                } else {
                    reader.error(keyNode, "set takes `language` or `vars.NAME`, not `\(key)`")
                }
            }
            return .set(assignment)
        default:
            var log = Action.LogAction(event: "", fields: [])
            for (key, _, field) in reader.mapping(value, "log", allowed: ["event", "fields"]) ?? [] {
                if key == "event" {
                    log.event = reader.string(field, "log.event") ?? ""
                } else {
                    for (name, _, fieldValue) in reader.mapping(field, "log.fields") ?? [] {
                        if let template = reader.template(fieldValue, "log.fields.\(name)") {
                            variableUses(template, fieldValue)
                            log.fields.append(Action.Pair(key: name, value: template))
                        }
                    }
                }
            }
            if log.event.isEmpty {
                reader.error(value, "log needs `event:`")
                return nil
            }
            return .log(log)
        }
    }

    func transfer(_ node: Yams.Node, context: String?) -> Action? {
        let allowed = ["to", "mode", "announce", "ring_timeout_s", "caller_id", "on_fail"]
        guard let map = reader.mapping(node, "transfer", allowed: allowed) else { return nil }
        var to: Template?
        var transfer = Action.Transfer(to: Template(literal: ""))
        var onFailNode: Yams.Node?
        for (key, _, value) in map {
            switch key {
            case "to":
                to = reader.template(value, "transfer.to")
                if let to {
                    variableUses(to, value)
                    let text = to.text
                    let schemes = ["tel:", "queue:", "ext:", "sip:"]
                    if !schemes.contains(where: text.hasPrefix) {
                        reader.error(value, "transfer.to \"\(text)\" must start with tel:, queue:, ext: or sip:")
                    }
                }
            case "mode": transfer.mode = reader.oneOf(value, "transfer.mode", Action.Transfer.Mode.self) ?? .blind
            case "announce": transfer.announce = promptList(value, "transfer.announce")
            case "ring_timeout_s": transfer.ringTimeoutSeconds = reader.int(value, "ring_timeout_s", in: 1...600) ?? 30
            case "caller_id": transfer.callerID = reader.string(value, "caller_id") ?? "keep"
            default:
                onFailNode = value
                let list = actions(value, context: context)
                requireTerminal(list, value, "on_fail")
                transfer.onFail = list
            }
        }
        guard let to else {
            reader.error(node, "transfer needs `to:`")
            return nil
        }
        if transfer.mode == .blind, let onFailNode {
            reader.error(onFailNode, "on_fail applies only to `mode: bridge` (a blind transfer leaves the IVR at once)")
        }
        transfer.to = to
        return .transfer(transfer)
    }

    func promptList(_ node: Yams.Node, _ what: String) -> [Template] {
        var list: [Template] = []
        for item in reader.sequence(node, what, scalarAsList: true) ?? [] {
            guard let template = reader.template(item, what) else { continue }
            references.append(Reference(kind: .prompt, template: template, node: item))
            variableUses(template, item)
            list.append(template)
        }
        return list
    }

    func variableUses(_ template: Template, _ node: Yams.Node) {
        for name in template.references where name.hasPrefix("vars.") {
            references.append(
                Reference(kind: .variable, template: Template(literal: String(name.dropFirst(5))), node: node))
        }
    }

    // MARK: - Conditions

    func condition(_ node: Yams.Node) -> Condition? {
        let allowed = ["schedule", "state", "language", "var", "caller", "all", "any", "not"]
        guard let entries = reader.mapping(node, "a condition", allowed: allowed) else { return nil }
        let keys = Set(entries.map(\.key))
        if keys == ["schedule", "state"] {
            guard let name = reader.template(node["schedule"], "schedule"),
                let state = reader.oneOf(node["state"], "state", ScheduleState.self)
            else { return nil }
            references.append(Reference(kind: .schedule, template: name, node: node["schedule"]!))
            variableUses(name, node["schedule"]!)
            return .schedule(name: name, state: state)
        }
        guard entries.count == 1, let (key, _, value) = entries.first else {
            reader.error(node, "a condition is one of {schedule, state}, language, var, caller, all, any, not")
            return nil
        }
        switch key {
        case "language":
            guard let language = reader.string(value, "language") else { return nil }
            references.append(Reference(kind: .language, template: Template(literal: language), node: value))
            return .language(language)
        case "var":
            guard let pairs = reader.mapping(value, "var"), pairs.count == 1, let (name, _, expected) = pairs.first,
                let template = reader.template(expected, "var.\(name)")
            else {
                reader.error(value, "var takes one {name: value}")
                return nil
            }
            references.append(Reference(kind: .variable, template: Template(literal: name), node: value))
            return .variable(name: name, value: template)
        case "caller":
            guard let text = reader.string(value, "caller") else { return nil }
            do { return .caller(try DigitPattern(parsing: text.replacingOccurrences(of: "+", with: ""))) } catch {
                reader.error(value, error.message)
                return nil
            }
        case "all", "any":
            let items = (reader.sequence(value, key) ?? []).compactMap { condition($0) }
            return key == "all" ? .all(items) : .any(items)
        case "not": return condition(value).map { .not($0) }
        default:
            reader.error(node, "`\(key)` needs `schedule:` and `state:` together")
            return nil
        }
    }

    func timeZone(_ node: Yams.Node?, _ what: String) -> TimeZone? {
        guard let name = reader.string(node, what) else { return nil }
        do {
            return try Schedule.timeZone(named: name)
        } catch {
            reader.error(node, "\(what): \(error.message)")
            return nil
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
