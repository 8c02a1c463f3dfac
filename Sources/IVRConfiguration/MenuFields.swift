import DSPCore

/// The menu fields as written (each optional), for `defaults` and for each menu.
struct MenuFields {
    static let keys = [
        "prompts", "routes", "max_digits", "terminator", "match", "fail_fast", "timers", "barge_in", "typeahead",
        "retries", "on_noinput", "on_invalid", "on_max_noinput", "on_max_invalid",
    ]
    var prompts = PartialPrompts()
    var routes: [Route]?
    var maxDigits: Int?
    /// `.some(nil)`: no terminator.
    var terminator: DTMFDigit??
    var match: MatchMode?
    var failFast: Bool?
    var firstDigit: Int?, interDigit: Int?, term: Int?, maxInput: Int?
    var bargeIn: Bool?
    var typeahead: Bool?
    var maxNoinput: Int?, maxInvalid: Int?, maxAttempts: Int?
    var onNoinput: [Menu.Escalation]?
    var onInvalid: [Menu.Escalation]?
    var onMaxNoinput: [Action]?
    var onMaxInvalid: [Action]?

    struct PartialPrompts {
        var long: [Template]?, short: [Template]?, invalid: [Template]?, noinput: [Template]?
    }
}
