import Foundation
import MediaTestSupport
import Testing

@testable import IVRConfiguration

/// Route regexes (ivr-config.md §1): a full match with captures, in time linear in the input.
@Suite struct RouteRegexTests {
    /// A backtracking matcher needs about 2^n steps here; a hang would fail the suite's time limit.
    @Test func nestedRepeatsAnswerAtOnce() throws {
        let regex = try RouteRegex(parsing: "(1+)+2")
        let ones = String(repeating: "1", count: 200)
        #expect(regex.match(ones) == nil)
        #expect(regex.match(ones + "2") == [ones + "2", ones])
        let alternatives = try RouteRegex(parsing: "^(1|11)*$")
        #expect(alternatives.match(ones + "3") == nil)
        #expect(alternatives.match(ones)?.first == ones)
    }

    @Test func capturesFollowBacktrackingOrder() throws {
        #expect(try RouteRegex(parsing: "^10([0-9]{2})$").match("1042") == ["1042", "42"])
        #expect(try RouteRegex(parsing: "(1*)(1*)").match("111") == ["111", "111", ""])
        #expect(try RouteRegex(parsing: "(1*?)(1*)").match("111") == ["111", "", "111"])
        #expect(try RouteRegex(parsing: "(?:(1)|(2))+").match("12") == ["12", "1", "2"])
        #expect(try RouteRegex(parsing: "(?<ext>[1-4]\\d)#?").match("42#") == ["42#", "42"])
        // The first match in backtracking order must span the input: `1` is tried before `12`.
        #expect(try RouteRegex(parsing: "1|12").match("12") == nil)
        #expect(try RouteRegex(parsing: "^(1|12)$").match("12") == ["12", "12"])
    }

    @Test(arguments: [
        ("(1", "`(` without `)`"),
        ("1)", "`)` without `(`"),
        ("[12", "`[` without `]`"),
        ("*1", "nothing to repeat"),
        ("(1)\\1", "not supported"),
        ("(?=1)1", "lookaround"),
        ("(?>1)", "atomic"),
        ("1*+", "possessive"),
        ("1{2", "`{n}`"),
        ("1{3,2}", "backwards"),
        ("1{5000}", "above 1000"),
        ("(1{1000}){1000}", "too large"),
    ])
    func unsupportedOrBrokenPatternsAreRefused(pattern: String, words: String) {
        #expect {
            _ = try RouteRegex(parsing: pattern)
        } throws: { error in
            "\((error as? TemplateError)?.message ?? "")".contains(words)
        }
    }

    /// Random patterns over a few keys against NSRegularExpression (ICU's backtracking matcher), used
    /// the way a route uses it: the first match anchored at the start must span the whole input.
    @Test func agreesWithICUOnRandomPatterns() throws {
        var generator = SeededRandom(seed: 0x1DE_A5)
        var compared = 0
        for _ in 0..<600 {
            var groups = 0
            let pattern = Self.randomPattern(depth: 2, groups: &groups, using: &generator)
            let regex = try RouteRegex(parsing: pattern)
            let reference = try NSRegularExpression(pattern: pattern)
            for _ in 0..<25 {
                let length = Int.random(in: 0...7, using: &generator)
                let input = String((0..<length).map { _ in "12#A".randomElement(using: &generator)! })
                let expected = Self.icuMatch(reference, input)
                #expect(regex.match(input) == expected, "pattern \(pattern) input \"\(input)\"")
                compared += 1
            }
        }
        #expect(compared == 15_000)
    }

    static func icuMatch(_ expression: NSRegularExpression, _ input: String) -> [String]? {
        let range = NSRange(input.startIndex..., in: input)
        guard let result = expression.firstMatch(in: input, options: [.anchored], range: range),
            result.range == range
        else { return nil }
        return (0..<result.numberOfRanges).map { index in
            Range(result.range(at: index), in: input).map { String(input[$0]) } ?? ""
        }
    }

    static func randomPattern(depth: Int, groups: inout Int, using generator: inout SeededRandom) -> String {
        let atoms = ["1", "2", "#", "\\#", ".", "[12]", "[^1]", "\\d", "\\D", "[1-2A]", "A"]
        var result = ""
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            var atom: String
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<6: atom = atoms.randomElement(using: &generator)!
            case 6..<9 where depth > 0:
                let inner = (0..<Int.random(in: 1...2, using: &generator)).map { _ in
                    randomPattern(depth: depth - 1, groups: &groups, using: &generator)
                }
                let kind = Int.random(in: 0..<3, using: &generator)
                if kind != 0 { groups += 1 }
                atom = (kind == 0 ? "(?:" : "(") + inner.joined(separator: "|") + ")"
            case 9: atom = ["^", "$", "\\b"].randomElement(using: &generator)!
            default: atom = "1"
            }
            // Unbounded loops only over single keys: a loop whose body can match empty is where a
            // backtracking matcher's priorities and captures differ from this matcher's (see RouteRegex).
            if atom.hasPrefix("(") {
                atom += ["", "", "?", "??", "{2}", "{1,2}", "{0,2}?"].randomElement(using: &generator)!
            } else if !atom.hasPrefix("^"), !atom.hasPrefix("$"), !atom.hasPrefix("\\b") {
                let quantifiers = ["", "", "", "*", "+", "?", "*?", "+?", "??", "{2}", "{1,2}", "{0,2}?", "{1,}"]
                atom += quantifiers.randomElement(using: &generator)!
            }
            result += atom
        }
        return result
    }
}
