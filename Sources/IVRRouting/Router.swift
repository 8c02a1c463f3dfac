import DSPCore
import Foundation
import IVRCalendar
import IVRConfiguration

/// The routing state machine of one call (ivr-config.md §1, §2, §3.8).
///
/// A plain struct: events in (`handle`), actions out. It has no clock and does no I/O: the time comes
/// in with each event, timers are requests the caller keeps (`startTimer` / `cancelTimer`) and reports
/// back as `timerFired`, playback is a request the caller reports back as `promptFinished` (one per
/// segment, in order; a missing prompt is finished at once). So unit tests drive it alone, and the
/// simulator, the live pipeline and `check` drive the same code, all through one `RouterDriver`.
///
/// Cost: control plane only (allocates); never called on the audio thread.
public struct Router: Sendable {
    // MARK: - Inputs and outputs

    public enum Event: Sendable, Hashable {
        case callStarted(CallInfo)
        case digit(DTMFDigit)
        /// The segment at the head of the playback queue finished (or was skipped).
        case promptFinished
        case timerFired(TimerKind)
        case transferResult(TransferResult)
        /// The caller hung up.
        case hangup
        /// The IVR ends the call itself (`cause`: shutdown, device lost): playback stops and the call
        /// is hung up.
        case end(cause: String)
    }

    public struct CallInfo: Sendable, Hashable {
        public var line: String?
        public var did: String?
        public var caller: String?
        public init(line: String? = nil, did: String? = nil, caller: String? = nil) {
            self.line = line
            self.did = did
            self.caller = caller
        }
    }

    public enum TimerKind: String, Sendable, Hashable, CaseIterable {
        case firstDigit = "first_digit"
        case interDigit = "inter_digit"
        case term
        case maxInput = "max_input"
        /// `limits.max_ivr_seconds`, armed at call start.
        case maxIVR = "max_ivr"
    }

    public enum Output: Sendable, Hashable {
        /// Queue these segments for playback after anything already queued.
        case play([Segment])
        /// Stop the segment playing and drop the queued ones (a barge-in); no `promptFinished` follows
        /// for them.
        case stopPlayback
        case startTimer(TimerKind, milliseconds: Int)
        case cancelTimer(TimerKind)
        case transfer(TransferRequest)
        case hangup(cause: String)
        case log(LogRecord)
    }

    /// One thing to play: a prompt or a `say`, with whether a key may stop it.
    public struct Segment: Sendable, Hashable {
        public enum Content: Sendable, Hashable {
            /// A prompt id in a language (ignored when the prompt is language-neutral).
            case prompt(id: String, language: String)
            /// Digits or a number spoken from digit prompts.
            case say(Action.Say.Kind, String, language: String)
        }
        public var content: Content
        public var bargeIn: Bool
        /// The prompt id, or `say:digits:123`.
        public var name: String {
            switch content {
            case .prompt(let id, _): id
            case .say(let kind, let value, _): "say:\(kind.rawValue):\(value)"
            }
        }
    }

    public struct TransferRequest: Sendable, Hashable {
        public var to: String
        public var mode: Action.Transfer.Mode
        public var ringTimeoutSeconds: Int
        public var callerID: String
    }

    /// An event for the call log (§3.7); `EventLog` adds the time stamps and call fields.
    public struct LogRecord: Sendable, Hashable {
        public var event: String
        public var node: String?
        public var fields: [LogField]
    }

    // MARK: - State

    public let configuration: MenuConfiguration
    public let callID: String
    public let ticket: String?
    public private(set) var call = CallInfo()
    public private(set) var language: String
    public private(set) var vars: [String: String] = [:]
    /// The node the call is in (for logs).
    public private(set) var node: String?
    public private(set) var ended = false
    public private(set) var startTime = Date(timeIntervalSince1970: 0)
    private var now = Date(timeIntervalSince1970: 0)
    /// Menus entered with `goto` (the bottom one is the line's first menu).
    private var stack: [String] = []
    private var visits: [String: Int] = [:]
    /// The current menu visit.
    private var visit = Visit()
    /// Segments sent for playback and not yet finished, oldest first.
    private var playing: [Segment] = []
    /// Keys pressed while nothing collects (§2 type-ahead).
    private var typeahead: [DTMFDigit] = []
    private var armed: Set<TimerKind> = []
    /// What to do when the playback queue empties.
    private var continuation = Continuation.none
    private var outputs: [Output] = []
    /// Segments gathered by non-terminal `play`/`say` verbs, sent when the action list ends.
    private var pending: [Segment] = []
    /// The captures of the accepted regex route.
    private var captures: [String] = []
    private var input = ""

    struct Visit {
        var noinputCount = 0
        var invalidCount = 0
        var buffer: [DTMFDigit] = []
        /// Collection has started (prompts done or a barge-in key).
        var collecting = false
    }

    enum Continuation: Sendable {
        case none
        /// Start collecting (the menu's prompts ended).
        case collect
        /// A play node's `then`.
        case run([Action])
        case transfer(Action.Transfer)
        case hangup(String)
    }

    public init(configuration: MenuConfiguration, callID: String, ticket: String?) {
        self.configuration = configuration
        self.callID = callID
        self.ticket = ticket
        self.language = configuration.languages.defaultLanguage
    }

    // MARK: - Events

    /// Handles one event at `time` and returns what the media side must do, in order.
    public mutating func handle(_ event: Event, at time: Date) -> [Output] {
        now = time
        outputs = []
        guard !ended else { return [] }
        switch event {
        case .callStarted(let info): start(info)
        case .digit(let digit): key(digit)
        case .promptFinished: promptFinished()
        case .timerFired(let kind): timerFired(kind)
        case .transferResult(let result): transferResult(result)
        case .hangup:
            cancelAllTimers()
            log("hangup", ["cause": "caller"])
            endCall()
        case .end(let cause):
            stopAndHangUp(cause: cause)
        }
        return outputs
    }

    /// The timers armed now (for tests and the simulator).
    public var armedTimers: Set<TimerKind> { armed }

    private mutating func start(_ info: CallInfo) {
        call = info
        startTime = now
        guard let line = configuration.line(id: info.line, did: info.did) else {
            log("call_start", ["caller": info.caller.map(LogField.Value.string) ?? .null])
            log("hangup", ["cause": "no_line"])
            outputs.append(.hangup(cause: "no_line"))
            endCall()
            return
        }
        for (key, value) in line.vars { vars[key] = value }
        log(
            "call_start",
            [
                "caller": info.caller.map(LogField.Value.string) ?? .null,
                "did": info.did.map(LogField.Value.string) ?? .null,
                "language": .string(language),
            ])
        if configuration.limits.maxIVRSeconds > 0 {
            arm(.maxIVR, configuration.limits.maxIVRSeconds * 1000)
        }
        run([.goto(line.entry)])
    }

    // MARK: - Keys

    private mutating func key(_ digit: DTMFDigit) {
        log("dtmf", ["digit": .string(String(digit.character))])
        if let head = playing.first {
            guard head.bargeIn else { return }  // discarded; the buffer is flushed when it ends
            // Barge-in: the prompt stops and the key is kept (§2). It waits in the type-ahead queue
            // for whatever comes next: the menu's collection (which starts at once, its prompts
            // skipped), or the next node.
            outputs.append(.stopPlayback)
            playing = []
            typeahead.append(digit)
            let next = continuation
            continuation = .none
            resume(next)
            return
        }
        if visit.collecting, currentMenu != nil {
            collect(digit)
        } else if currentMenu?.typeahead ?? true {
            typeahead.append(digit)
        }
    }

    private mutating func promptFinished() {
        guard !playing.isEmpty else { return }
        let head = playing.removeFirst()
        if !head.bargeIn {
            // §2: keys during a prompt that may not be interrupted are discarded with the buffer.
            typeahead = []
        }
        guard playing.isEmpty else { return }
        let next = continuation
        continuation = .none
        resume(next)
    }

    private mutating func resume(_ next: Continuation) {
        switch next {
        case .none: break
        case .collect:
            startCollecting()
            feedTypeahead()
        case .run(let actions): run(actions)
        case .transfer(let transfer): performTransfer(transfer)
        case .hangup(let cause): performHangup(cause)
        }
    }

    /// Collection starts when the menu's prompts end, or at once with the key that barged in (§1): the
    /// first-digit timer runs only when no key is waiting.
    private mutating func startCollecting() {
        guard let menu = currentMenu else { return }
        visit.collecting = true
        visit.buffer = []
        if menu.timers.maxInputMilliseconds > 0 { arm(.maxInput, menu.timers.maxInputMilliseconds) }
        if typeahead.isEmpty { arm(.firstDigit, menu.timers.firstDigitMilliseconds) }
    }

    private mutating func feedTypeahead() {
        while !typeahead.isEmpty, visit.collecting, !ended {
            collect(typeahead.removeFirst())
        }
    }

    /// §1: the decision after every key.
    private mutating func collect(_ digit: DTMFDigit) {
        guard let menu = currentMenu else { return }
        cancel(.firstDigit)
        if digit == menu.terminator {
            evaluate(final: true, byTerminator: true)
            return
        }
        visit.buffer.append(digit)
        let text = bufferText
        let routes = activeRoutes(menu)
        let started = routes.filter { canStart($0, text, menu) }
        if started.isEmpty, menu.failFast {
            decideInvalid(text)
            return
        }
        let complete = routes.contains { fullMatch($0, text) != nil }
        switch menu.match {
        case .eager:
            if complete, !started.contains(where: { canExtend($0, text, menu) }) {
                if menu.timers.termMilliseconds > 0, menu.terminator != nil {
                    cancel(.interDigit)
                    arm(.term, menu.timers.termMilliseconds)
                    return
                }
                evaluate(final: true, byTerminator: false)
                return
            }
        case .shortest:
            if complete {
                evaluate(final: true, byTerminator: false)
                return
            }
        case .strict: break
        }
        if let max = menu.maxDigits, visit.buffer.count >= max {
            evaluate(final: true, byTerminator: false)
            return
        }
        arm(.interDigit, menu.timers.interDigitMilliseconds)
    }

    private var bufferText: String { String(visit.buffer.map(\.character)) }

    private mutating func timerFired(_ kind: TimerKind) {
        guard armed.remove(kind) != nil else { return }  // cancelled meanwhile
        switch kind {
        case .firstDigit: decideNoinput()
        case .interDigit, .maxInput: evaluate(final: true, byTerminator: false)
        case .term: evaluate(final: true, byTerminator: false)
        case .maxIVR:
            log("limit", ["limit": "max_ivr_seconds"])
            stopAndHangUp(cause: "max_ivr_seconds")
        }
    }

    // MARK: - Decisions

    private mutating func evaluate(final: Bool, byTerminator: Bool) {
        guard let menu = currentMenu else { return }
        let text = bufferText
        let routes = activeRoutes(menu)
        if text.isEmpty {
            if byTerminator, let terminator = menu.terminator,
                let route = routes.first(where: { $0.matcher == .digits(String(terminator.character)) })
            {
                accept(route, input: String(terminator.character), captures: [])
            } else {
                decideNoinput()
            }
            return
        }
        let matches = routes.enumerated().compactMap { index, route in
            fullMatch(route, text).map { (index, route, $0) }
        }
        guard let best = matches.min(by: { ($0.1.matcher.rank, $0.0) < ($1.1.matcher.rank, $1.0) }) else {
            decideInvalid(text)
            return
        }
        accept(best.1, input: text, captures: best.2)
    }

    private mutating func endCollection() {
        visit.collecting = false
        for kind in [TimerKind.firstDigit, .interDigit, .term, .maxInput] { cancel(kind) }
    }

    private mutating func accept(_ route: Route, input: String, captures: [String]) {
        endCollection()
        self.input = input
        self.captures = captures
        log("digits", ["digits": .string(input), "result": "match"])
        log("route", ["route": .string(route.name), "digits": .string(input)])
        run(route.actions)
    }

    private mutating func decideInvalid(_ text: String) {
        guard let menu = currentMenu else { return }
        endCollection()
        input = text
        typeahead = []
        visit.invalidCount += 1
        log("digits", ["digits": .string(text), "result": "invalid"])
        log("invalid", ["digits": .string(text), "counts": counts])
        let attempts = visit.invalidCount + visit.noinputCount
        if visit.invalidCount >= menu.retries.maxInvalid
            || (menu.retries.maxAttempts > 0 && attempts >= menu.retries.maxAttempts)
        {
            run(menu.onMaxInvalid)
        } else {
            run(Self.handler(menu.onInvalid, count: visit.invalidCount) ?? [.repeatPrompts(.short)])
        }
    }

    private mutating func decideNoinput() {
        guard let menu = currentMenu else { return }
        endCollection()
        input = ""
        typeahead = []
        visit.noinputCount += 1
        log("noinput", ["counts": counts])
        let attempts = visit.invalidCount + visit.noinputCount
        if visit.noinputCount >= menu.retries.maxNoinput
            || (menu.retries.maxAttempts > 0 && attempts >= menu.retries.maxAttempts)
        {
            run(menu.onMaxNoinput)
        } else {
            run(Self.handler(menu.onNoinput, count: visit.noinputCount) ?? [.repeatPrompts(.short)])
        }
    }

    /// The handler with the highest `count` ≤ `count` (VoiceXML's rule).
    static func handler(_ escalations: [Menu.Escalation], count: Int) -> [Action]? {
        escalations.filter { $0.count <= count }.max { $0.count < $1.count }?.actions
    }

    private var counts: LogField.Value {
        .object([
            LogField("noinput", .int(visit.noinputCount)),
            LogField("invalid", .int(visit.invalidCount)),
        ])
    }

    // MARK: - Matching

    private mutating func activeRoutes(_ menu: Menu) -> [Route] {
        menu.routes.filter { route in route.condition.map { evaluate($0) } ?? true }
    }

    private func canStart(_ route: Route, _ text: String, _ menu: Menu) -> Bool {
        switch route.matcher {
        case .digits(let digits): return digits.hasPrefix(text)
        case .pattern(let pattern): return pattern.canStart(Array(text))
        case .regex: return menu.maxDigits.map { text.count <= $0 } ?? true
        }
    }

    /// §1: regex routes count as extendable until `max_digits`.
    private func canExtend(_ route: Route, _ text: String, _ menu: Menu) -> Bool {
        switch route.matcher {
        case .digits(let digits): return digits.count > text.count && digits.hasPrefix(text)
        case .pattern(let pattern): return pattern.canExtend(Array(text))
        case .regex: return menu.maxDigits.map { text.count < $0 } ?? true
        }
    }

    /// The captures of a whole match (empty for digits and patterns), or nil.
    private func fullMatch(_ route: Route, _ text: String) -> [String]? {
        switch route.matcher {
        case .digits(let digits): return digits == text ? [] : nil
        case .pattern(let pattern): return pattern.matches(Array(text)) ? [] : nil
        case .regex(let regex): return regex.match(text)
        }
    }

    // MARK: - Actions

    /// Runs an action list: non-terminal verbs in order, then the terminal one. A list that ends without
    /// a terminal verb re-prompts the current menu (`repeat: short`), as FreeSWITCH does.
    private mutating func run(_ actions: [Action]) {
        for action in actions {
            if ended { return }
            if perform(action) { return }
        }
        if ended { return }
        if currentMenu != nil {
            startPrompts(.short)
        } else {
            flush()
        }
    }

    /// Performs one verb; true when it was terminal (the rest of its list is not run).
    private mutating func perform(_ action: Action) -> Bool {
        switch action {
        case .play(let source): queue(source)
        case .say(let say):
            let value = expand(say.value)
            pending.append(
                Segment(content: .say(say.kind, value, language: language), bargeIn: currentMenu?.bargeIn ?? true))
        case .set(let assignment): assign(assignment)
        case .log(let action):
            var fields: [LogField] = []
            for pair in action.fields { fields.append(LogField(pair.key, .string(expand(pair.value)))) }
            outputs.append(.log(LogRecord(event: action.event, node: node, fields: fields)))
        case .goto(let name):
            enter(name, push: true)
        case .back(let count):
            let keep = max(stack.count - count, 1)
            if stack.count > keep { stack.removeLast(stack.count - keep) }
            if let parent = stack.last { enter(parent, push: false) } else { flush() }
        case .top:
            if let root = stack.first {
                stack = [root]
                enter(root, push: false)
            } else {
                flush()
            }
        case .repeatPrompts(let list):
            startPrompts(list)
        case .transfer(let transfer):
            typeahead = []
            pending += segments(transfer.announce, bargeIn: false)
            continuation = .transfer(transfer)
            flush()
        case .hangup(let hangup):
            typeahead = []
            pending += segments(hangup.play, bargeIn: false)
            continuation = .hangup(hangup.cause)
            flush()
        }
        return action.isTerminal
    }

    /// Sends what non-terminal verbs queued; with nothing to play, goes on at once.
    private mutating func flush() {
        if pending.isEmpty {
            let next = continuation
            continuation = .none
            resume(next)
            return
        }
        let segments = pending
        pending = []
        playing += segments
        outputs.append(.play(segments))
    }

    private mutating func queue(_ source: Action.PlaySource) {
        let bargeIn = currentMenu?.bargeIn ?? true
        switch source {
        case .prompts(let ids): pending += segments(ids, bargeIn: bargeIn)
        case .list(let list):
            guard let menu = currentMenu else { return }
            pending += segments(Self.prompts(menu, list), bargeIn: bargeIn)
        }
    }

    static func prompts(_ menu: Menu, _ list: Action.PromptList) -> [Template] {
        switch list {
        case .long: menu.prompts.long
        case .short: menu.prompts.short
        case .invalid: menu.prompts.invalid
        case .noinput: menu.prompts.noinput
        }
    }

    /// The segments of prompt ids: an id with `files` plays them in order, one with `say` speaks its
    /// value; `barge_in` of the item, else the menu's.
    private mutating func segments(_ ids: [Template], bargeIn: Bool) -> [Segment] {
        var result: [Segment] = []
        for template in ids {
            let id = expand(template)
            let item = configuration.prompts.items[id]
            let allowed = item?.bargeIn ?? bargeIn
            if let files = item?.files {
                for file in files {
                    let fileItem = configuration.prompts.items[file]
                    result.append(
                        Segment(content: .prompt(id: file, language: language), bargeIn: fileItem?.bargeIn ?? allowed))
                }
            } else if let say = item?.say {
                result.append(Segment(content: .say(say.kind, expand(say.value), language: language), bargeIn: allowed))
            } else {
                result.append(Segment(content: .prompt(id: id, language: language), bargeIn: allowed))
            }
        }
        return result
    }

    /// Plays a menu's prompt list (unless type-ahead keys wait: then the prompts are skipped) and then
    /// collects.
    private mutating func startPrompts(_ list: Action.PromptList) {
        guard let menu = currentMenu else { return }
        visit.collecting = false
        continuation = .collect
        if typeahead.isEmpty { pending += segments(Self.prompts(menu, list), bargeIn: menu.bargeIn) }
        flush()
    }

    private mutating func assign(_ assignment: Action.Assignment) {
        if let template = assignment.language {
            let value = expand(template)
            if value != language {
                language = value
            }
            log("language", ["language": .string(language)])
        }
        for pair in assignment.vars { vars[pair.key] = expand(pair.value) }
    }

    // MARK: - Nodes

    private var currentKind: Node.Kind? { node.flatMap { configuration.nodes[$0]?.kind } }

    private var currentMenu: Menu? {
        if case .menu(let menu) = currentKind { return menu }
        return nil
    }

    private mutating func enter(_ name: String, push: Bool) {
        guard let target = configuration.nodes[name] else {
            log("error", ["message": .string("no node \(name)")])
            stopAndHangUp(cause: "config_error")
            return
        }
        visits[name, default: 0] += 1
        if visits[name]! > configuration.limits.maxNodeVisits {
            log("limit", ["limit": "max_node_visits", "node": .string(name)])
            stopAndHangUp(cause: "max_node_visits")
            return
        }
        endCollection()
        node = name
        if case .menu = target.kind {
            if push {
                if let index = stack.firstIndex(of: name) {
                    stack.removeLast(stack.count - index - 1)
                } else {
                    stack.append(name)
                }
                if stack.count > configuration.limits.maxStackDepth {
                    log("limit", ["limit": "max_stack_depth"])
                    stopAndHangUp(cause: "max_stack_depth")
                    return
                }
            }
            visit = Visit()
            log("menu_enter", ["depth": .int(stack.count)])
        }
        for action in target.onEnter where !action.isTerminal { _ = perform(action) }
        switch target.kind {
        case .menu:
            startPrompts(.long)
        case .branch(let branch):
            if let chosen = branch.cases.first(where: { evaluate($0.condition) }) {
                run(holidayActions(chosen) ?? chosen.actions)
            } else {
                run(branch.otherwise)
            }
        case .play(let play):
            pending += segments(play.prompts, bargeIn: play.bargeIn)
            continuation = .run(play.then)
            flush()
        }
    }

    /// A case `{schedule: S, state: holiday}` that holds on a holiday with its own prompt or route: the
    /// prompt first, then the route (or the case's own actions).
    private mutating func holidayActions(_ chosen: Branch.Case) -> [Action]? {
        guard case .schedule(let template, .holiday) = chosen.condition else { return nil }
        let name = expand(template)
        guard let index = configuration.schedules[name]?.holidayIndex(at: now),
            let extras = configuration.holidayExtras[name]?[index]
        else { return nil }
        let play: [Action] = extras.prompts.isEmpty ? [] : [.play(.prompts(extras.prompts))]
        return play + (extras.route ?? chosen.actions)
    }

    private mutating func evaluate(_ condition: Condition) -> Bool {
        switch condition {
        case .schedule(let name, let state):
            guard let schedule = configuration.schedules[expand(name)] else { return false }
            return schedule.state(at: now) == state
        case .language(let value): return language == value
        case .variable(let name, let value): return vars[name] == expand(value)
        case .caller(let pattern): return pattern.matches(Array(call.caller ?? ""))
        case .all(let conditions):
            for c in conditions where !evaluate(c) { return false }
            return true
        case .any(let conditions):
            for c in conditions where evaluate(c) { return true }
            return false
        case .not(let inner): return !evaluate(inner)
        }
    }

    // MARK: - Ends

    private mutating func performTransfer(_ transfer: Action.Transfer) {
        let request = TransferRequest(
            to: expand(transfer.to), mode: transfer.mode, ringTimeoutSeconds: transfer.ringTimeoutSeconds,
            callerID: transfer.callerID)
        log("transfer", ["to": .string(request.to), "mode": .string(request.mode.rawValue)])
        outputs.append(.transfer(request))
        if transfer.mode == .blind {
            cancelAllTimers()
            endCall()
        } else {
            awaitingTransfer = transfer
        }
    }

    private var awaitingTransfer: Action.Transfer?

    private mutating func transferResult(_ result: TransferResult) {
        guard let transfer = awaitingTransfer else { return }
        awaitingTransfer = nil
        log("transfer_result", ["to": .string(expand(transfer.to)), "result": .string(result.rawValue)])
        if result == .ok {
            cancelAllTimers()
            endCall()
        } else if let onFail = transfer.onFail {
            run(onFail)
        } else {
            stopAndHangUp(cause: "transfer_\(result.rawValue)")
        }
    }

    private mutating func performHangup(_ cause: String) {
        cancelAllTimers()
        log("hangup", ["cause": .string(cause)])
        outputs.append(.hangup(cause: cause))
        endCall()
    }

    private mutating func stopAndHangUp(cause: String) {
        if !playing.isEmpty {
            outputs.append(.stopPlayback)
            playing = []
        }
        pending = []
        continuation = .none
        performHangup(cause)
    }

    private mutating func endCall() {
        guard !ended else { return }
        ended = true
        log("call_end", ["duration_ms": .int(Int(((now.timeIntervalSince(startTime)) * 1000).rounded()))])
    }

    // MARK: - Timers and logs

    private mutating func arm(_ kind: TimerKind, _ milliseconds: Int) {
        armed.insert(kind)
        outputs.append(.startTimer(kind, milliseconds: milliseconds))
    }

    private mutating func cancel(_ kind: TimerKind) {
        if armed.remove(kind) != nil { outputs.append(.cancelTimer(kind)) }
    }

    private mutating func cancelAllTimers() {
        for kind in TimerKind.allCases { cancel(kind) }
    }

    private mutating func log(_ event: String, _ fields: KeyValuePairs<String, LogField.Value>) {
        outputs.append(.log(LogRecord(event: event, node: node, fields: fields.map { LogField($0.key, $0.value) })))
    }

    /// The value of a template reference (see `Template`).
    public func value(_ name: String) -> String? {
        switch name {
        case "input": return input
        case "language": return language
        case "call.id": return callID
        case "call.ticket": return ticket
        case "call.caller": return call.caller
        case "call.line": return call.line
        case "call.did": return call.did
        default:
            if name.hasPrefix("vars.") { return vars[String(name.dropFirst(5))] }
            if name.hasPrefix("match."), let index = Int(name.dropFirst(6)), index < captures.count {
                return captures[index]
            }
            return nil
        }
    }

    private func expand(_ template: Template) -> String { template.expand { value($0) } }
}
