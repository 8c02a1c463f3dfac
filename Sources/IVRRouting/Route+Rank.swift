import IVRConfiguration

extension Route.Matcher {
    /// The precedence of a matcher when several routes match the same input: digits > pattern > regex
    /// (ivr-config.md §1); lower ranks first.
    var rank: Int {
        switch self {
        case .digits: 0
        case .pattern: 1
        case .regex: 2
        }
    }
}
