import Foundation
import MenuTestSupport
import Testing

@testable import IVRConfiguration

/// Validation (ivr-config.md §3.8): every problem is reported with its place, all in one pass.
@Suite struct MenuConfigurationTests {
    @Test(arguments: [
        // (menu body, expected words in the message, expected line of the problem)
        ("routes: [ { digits: \"1\", do: { goto: nowhere } } ]", "no node named `nowhere`", 10),
        ("routes: [ { digits: \"1\", do: { goto: mian } } ]", "did you mean `main`", 10),
        ("routes: [ { digits: \"1#\", do: { hangup: {} } } ]", "contains the terminator", 10),
        (
            "routes: [ { pattern: \"1.\", do: { hangup: {} } } ]\nterminator: \"\"",
            "neither max_digits nor a terminator", 10
        ),
        ("routes: [ { digits: \"1\", do: { hangup: {} } }, { digits: \"1\", do: { hangup: {} } } ]", "unreachable", 10),
        ("routes: [ { digits: \"12\", do: { hangup: {} } } ]\nmax_digits: 1", "longer than max_digits", 10),
        ("routes: [ { digits: \"1\", do: [ { goto: main }, { hangup: {} } ] } ]", "never runs", 10),
        ("routes: [ { digits: \"1\", dо: { hangup: {} } } ]", "unknown key", 10),
        ("routse: []", "did you mean `routes`", 10),
        ("timers: { first_digit_ms: soon }", "whole number", 10),
        ("match: greedy", "eager, shortest, strict", 10),
        ("routes: [ { regex: \"^(1\", do: { hangup: {} } } ]\nmax_digits: 3", "does not compile", 10),
        ("routes: [ { pattern: \"1Q\", do: { hangup: {} } } ]", "neither a key", 10),
        ("routes: [ { digits: \"1\", do: { set: { language: fr } } } ]", "not in languages.supported", 10),
        (
            "routes: [ { digits: \"1\", do: { transfer: { to: \"tel:1\", on_fail: { hangup: {} } } } } ]",
            "only to `mode: bridge`", 10
        ),
        ("routes: [ { digits: \"1\", do: { transfer: { to: \"1234\" } } } ]", "must start with tel:", 10),
        ("on_max_noinput: { play: [x] }", "must end with", 10),
        ("routes: [ { digits: \"1\", do: { goto: main, hangup: {} } } ]", "one verb", 10),
    ])
    func problemsAreReportedWithTheirPlace(body: String, words: String, line: Int) throws {
        let errors = problems(oneMenu(body)).filter { $0.severity == .error }
        let error = try #require(errors.first { $0.message.contains(words) }, "no such error: \(errors)")
        #expect(error.line == line, "\(error)")
        #expect(error.column > 0)
        #expect(error.description.hasPrefix("test.yaml:\(line):\(error.column): error: "))
    }

    @Test func everyProblemIsReportedInOnePass() {
        let yaml = oneMenu(
            """
            match: greedy
            timers: { first_digit_ms: -5 }
            routes: [ { digits: "1", do: { goto: nowhere } } ]
            """)
        let errors = problems(yaml).filter { $0.severity == .error }
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.allSatisfy { $0.description.hasPrefix("test.yaml:") })
        #expect(errors.map(\.line) == errors.map(\.line).sorted())
    }

    @Test func yamlSyntaxErrorsHaveAPlace() {
        let found = problems("version: 1\nnodes:\n  main: [unclosed\n")
        #expect(found.count == 1)
        #expect(found.first?.line ?? 0 > 0)
        #expect(found.first?.message.contains("YAML") == true)
    }

    @Test func branchOnlyCyclesAreErrors() {
        let yaml = """
            version: 1
            prompts: { root: /nonexistent }
            lines: [ { match: { any: true }, entry: a } ]
            nodes:
              a: { type: branch, cases: [ { if: { language: ru }, do: { goto: b } } ], else: { hangup: {} } }
              b: { type: branch, cases: [], else: { goto: a } }
            """
        let errors = problems(yaml).filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains("branch-only cycle: a -> b -> a") }, "\(errors)")
    }

    @Test func missingRequiredPartsAreNamed() {
        let errors = problems("version: 1\n").filter { $0.severity == .error }.map(\.message)
        #expect(errors.contains { $0.contains("prompts") })
        #expect(errors.contains { $0.contains("lines") })
        #expect(errors.contains { $0.contains("nodes") })
    }

    @Test func warningsDoNotStopLoading() throws {
        let yaml = oneMenu(
            "routes: [ { digits: \"1\", do: { transfer: { to: \"queue:${vars.nothing}\" } } } ]",
            extra: "  orphan: { type: play, prompts: [x], then: { hangup: {} } }")
        let (_, warnings) = try MenuConfiguration.parse(yaml, path: "test.yaml")
        #expect(warnings.contains { $0.message.contains("vars.nothing") })
        #expect(warnings.contains { $0.message.contains("never entered") })
    }

    @Test func defaultsAreInheritedAndOverridden() throws {
        let yaml = oneMenu(
            "routes: [ { digits: \"1\", do: { hangup: {} } } ]\ntimers: { first_digit_ms: 1234 }",
            defaults: "defaults: { timers: { first_digit_ms: 9, inter_digit_ms: 777 }, terminator: \"*\" }")
        let c = try MenuConfiguration.parse(yaml, path: "test.yaml").0
        guard case .menu(let m) = c.nodes["main"]?.kind else {
            Issue.record("main is not a menu")
            return
        }
        #expect(m.timers.firstDigitMilliseconds == 1234)
        #expect(m.timers.interDigitMilliseconds == 777)
        #expect(m.terminator?.character == "*")
        #expect(m.maxDigits == 1)
        #expect(m.retries.maxNoinput == 3)
    }

    @Test(arguments: [
        ("1XX", "100", true), ("1XX", "10", false), ("1XX", "1000", false), ("N.", "2", false), ("N.", "23", true),
        ("N.", "1", false), ("1!", "1", true), ("1!", "1999", true), ("[1-3]Z", "30", false), ("[1-3]Z", "31", true),
        ("_X", "7", true), ("[135]", "3", true), ("[135]", "2", false),
    ])
    func digitPatternsMatchLikeAsterisk(pattern: String, input: String, matches: Bool) throws {
        let p = try DigitPattern(parsing: pattern)
        #expect(p.matches(Array(input)) == matches)
    }

    @Test func digitPatternPrefixesAndExtensions() throws {
        let p = try DigitPattern(parsing: "1X.")
        #expect(p.canStart(Array("1")))
        #expect(p.canStart(Array("12")))
        #expect(!p.canStart(Array("2")))
        #expect(!p.matches(Array("12")))
        #expect(p.canExtend(Array("123")))
        let fixed = try DigitPattern(parsing: "XX")
        #expect(fixed.fixedLength == 2)
        #expect(!fixed.canExtend(Array("12")))
        #expect(fixed.canExtend(Array("1")))
    }
}

@Suite struct StackDepthTests {
    @Test func aChainOfMenusDeeperThanTheLimitIsAWarning() throws {
        var yaml = """
            version: 1
            prompts: { root: /nonexistent }
            lines: [ { match: { any: true }, entry: m0 } ]
            limits: { max_stack_depth: 3 }
            nodes:

            """
        for i in 0..<4 {
            yaml += "  m\(i): { type: menu, routes: [ { digits: \"1\", do: { goto: m\(i + 1 == 4 ? 0 : i + 1) } } ] }\n"
        }
        let (_, warnings) = try MenuConfiguration.parse(yaml, path: "test.yaml")
        #expect(warnings.contains { $0.message.contains("4 deep") }, "\(warnings)")
        let shallow = yaml.replacingOccurrences(of: "max_stack_depth: 3", with: "max_stack_depth: 4")
        #expect(try MenuConfiguration.parse(shallow, path: "test.yaml").1.allSatisfy { !$0.message.contains("deep") })
    }

    /// A wrong value is one problem: it is not also reported as a missing `timezone:` or `now:`.
    @Test(arguments: [
        (
            "schedules:\n  office: { timezone: Mars/Olympus, weekly: [ { days: [mon], hours: [\"09:00-19:00\"] } ] }",
            "timezone"
        ),
        (
            "tests:\n  - { name: t, now: \"yesterday\", script: [], expect: [] }",
            "now"
        ),
    ])
    func aWrongValueIsOneProblem(extra: String, key: String) {
        let errors = problems(oneMenu("routes: [ { digits: \"1\", do: { hangup: {} } } ]", extra: extra))
            .filter { $0.severity == .error }
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains(key) == true, "\(errors)")
        #expect(errors.first?.line == 12, "\(errors)")
    }

    /// Anchors repeating anchors nine deep (10^9 values from about a kilobyte) in a test's `expect`:
    /// refused as soon as the aliases pass the limit, at the place of the alias that passes it.
    @Test func anAliasBombIsRefusedWithItsPlace() throws {
        var steps = ["      - a: &a [\(Array(repeating: "x", count: 10).joined(separator: ", "))]"]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            steps.append("      - \(name): &\(name) [\(Array(repeating: "*\(previous)", count: 10).joined(separator: ", "))]")
        }
        let extra = """
            tests:
              - name: bomb
                now: "2027-03-14T18:59:00+03:00"
                script: []
                expect:
            \(steps.joined(separator: "\n"))
            """
        let yaml = oneMenu("routes: [ { digits: \"1\", do: { hangup: {} } } ]", extra: extra)
        let found = problems(yaml)
        #expect(found.count == 1, "\(found)")
        let problem = try #require(found.first)
        #expect(problem.message.contains("aliases here expand to more than 100000 values"), "\(problem)")
        // The fifth level is the first to pass 10^5 values: 10 uses of `*d`, 11 110 values each.
        let line = try #require(yaml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("e: &e") }) + 1
        #expect(problem.line == line, "\(problem)")
        #expect(problem.description.hasPrefix("test.yaml:\(line):\(problem.column): error: "), "\(problem)")
        // Below the limit, aliases are plain YAML.
        let small = yaml.split(separator: "\n").filter { !$0.contains("&e") && !$0.contains("&f") && !$0.contains("&g") && !$0.contains("&h") && !$0.contains("&i") }
        #expect(!problems(small.joined(separator: "\n")).contains { $0.message.contains("aliases") })
    }

    /// An alias bomb whose every level is a mapping KEY (`? &b [*a, …]`), ten deep (10^10 values from
    /// about a kilobyte), in a menu node and in a test's `expect` step. Yams hashes a mapping's keys while
    /// composing it (its duplicate check), over each alias's whole expansion, so a check of the composed
    /// tree would come after hours; the text is checked before Yams sees it, and the problem is at the
    /// alias that passes the limit, on the fifth level. The time limit only keeps a regression from
    /// hanging the suite.
    @Test(.timeLimit(.minutes(1)), arguments: ["node", "expect"])
    func anAliasBombAsAMappingKeyIsRefusedBeforeYams(place: String) throws {
        var keys = ["? &a [\(Array(repeating: "x", count: 10).joined(separator: ", "))]", ": 1"]
        for (previous, name) in zip("abcdefghi", "bcdefghij") {
            keys += ["? &\(name) [\(Array(repeating: "*\(previous)", count: 10).joined(separator: ", "))]", ": 1"]
        }
        let yaml: String
        if place == "node" {
            yaml = oneMenu((["routes: [ { digits: \"1\", do: { hangup: {} } } ]"] + keys).joined(separator: "\n"))
        } else {
            let step = "      - " + keys.joined(separator: "\n        ")
            yaml = oneMenu(
                "routes: [ { digits: \"1\", do: { hangup: {} } } ]",
                extra: """
                    tests:
                      - name: bomb
                        now: "2027-03-14T18:59:00+03:00"
                        expect:
                    \(step)
                    """)
        }
        #expect(yaml.utf8.count < 2000)
        let found = problems(yaml)
        #expect(found.count == 1, "\(found)")
        let problem = try #require(found.first)
        #expect(problem.message.contains("aliases here expand to more than 100000 values"), "\(problem)")
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(lines.firstIndex { $0.contains("&e") }) + 1
        #expect(problem.line == line, "\(problem)")
        // The column of the alias that passes the limit: the eighth `*d` of that line.
        let text = lines[line - 1]
        var column = 0
        var seen = 0
        for (offset, character) in text.enumerated() where character == "*" {
            seen += 1
            if seen == 8 { column = offset + 1 }
        }
        #expect(problem.column == column, "\(problem) in \(text)")
        #expect(problem.description.hasPrefix("test.yaml:\(line):\(column): error: "), "\(problem)")
    }

    /// A NUL byte is a YAML reader error: reported as `file:line:column:` like every other problem.
    @Test func aNULByteHasItsPlace() {
        let yaml = "version: 1\nprompts: { root: /nonexistent }\nlines: [ ab\u{0}c ]\n"
        let found = problems(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.description.hasPrefix("test.yaml:3:12: error: YAML: ") == true, "\(found)")
    }

    /// A file that cannot be used as text says why: directory, not a regular file, the place of the
    /// first byte that is not UTF-8, permission.
    @Test func unreadableFilesSayWhy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-read-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func failure(_ path: String) -> ConfigurationError? {
            do {
                _ = try MenuConfiguration.load(path: path)
                return nil
            } catch { return error }
        }
        let directory = try #require(failure(folder))
        #expect(directory.description == "\(folder): error: cannot read the file: it is a directory")
        #expect(directory.isMissingFile)

        let fifo = folder + "/fifo.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let pipe = try #require(failure(fifo))
        #expect(pipe.description == "\(fifo): error: cannot read the file: not a regular file (a FIFO, socket or device)")

        let latin1 = folder + "/latin1.yaml"
        try Data([0x76, 0x3A, 0x20, 0x31, 0x0A, 0x6E, 0x3A, 0x20, 0xC3, 0xA9, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        let text = try #require(failure(latin1))
        #expect(text.description == "\(latin1):2:5: error: not UTF-8 text: the first bad byte is here")
        #expect(!text.isMissingFile)

        let locked = folder + "/locked.yaml"
        try Data("version: 1\n".utf8).write(to: URL(fileURLWithPath: locked))
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked)
        if !FileManager.default.isReadableFile(atPath: locked) {  // root reads anything
            #expect(failure(locked)?.description == "\(locked): error: cannot read the file: permission denied")
        }
    }
}
