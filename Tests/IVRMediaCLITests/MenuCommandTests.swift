import Foundation
import MediaCodecs
import Testing

/// `ivrmedia simulate` and `ivrmedia check` on the shipped examples, as a user runs them.
@Suite("ivrmedia simulate and check")
struct MenuCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let hotline = repository.appendingPathComponent("examples/operator-hotline.yaml").path
    static let callCentre = repository.appendingPathComponent("examples/call-centre.yaml").path

    struct Call {
        var events: [[String: Any]]
        var result: CLIRunner.Result

        func all(_ event: String) -> [[String: Any]] { events.filter { $0["event"] as? String == event } }
        func first(_ event: String) -> [String: Any]? { all(event).first }
        func ms(_ event: String) -> Int? { first(event)?["t_ms"] as? Int }
    }

    /// Generates a caller with `generate` (`keys` as its DIGITS), then simulates Example A.
    func simulate(keys: String, leadMs: Int, extra: [String] = [], in directory: URL) throws -> Call {
        let caller = try CLIRunner.run(
            ["generate", keys, "--lead-ms", String(leadMs), "--on-ms", "80", "--off-ms", "100", "-o", "caller.al"],
            in: directory)
        #expect(caller.status == 0, "\(caller.standardError)")
        let result = try CLIRunner.run(
            ["simulate", "--menu", Self.hotline, "--caller", "caller.al", "--heard", "heard.wav"] + extra, in: directory
        )
        #expect(result.status == 0, "\(result.standardError)")
        let events = try result.lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return Call(events: events, result: result)
    }

    @Test("Example A: 9 during the greeting stops it and transfers to the support queue")
    func nineDuringTheGreeting() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let call = try simulate(keys: "9", leadMs: 3000, in: directory)
        let key = try #require(call.ms("dtmf"))
        #expect(key > 3000 + 20 && key < 3000 + 40, "key at \(key) ms")
        let greetingEnd = try #require(call.first("prompt_end"))
        #expect(greetingEnd["prompt"] as? String == "op_greeting")
        #expect(greetingEnd["reason"] as? String == "barge_in")
        let stopped = try #require(greetingEnd["t_ms"] as? Int)
        // Stopped at the key's report, with the mixer's 4 ms fade.
        #expect(stopped >= key + 3 && stopped <= key + 5, "greeting stopped at \(stopped) ms, key at \(key) ms")
        let transfer = try #require(call.first("transfer"))
        #expect(transfer["to"] as? String == "queue:tech_support")
        #expect(transfer["mode"] as? String == "bridge")
        #expect(call.events.last?["event"] as? String == "call_end")
        // The caller heard the greeting until the key, then the announcement.
        let heard = try AudioFile.read(path: directory.appendingPathComponent("heard.wav").path).channels[0]
        func rms(_ from: Int, _ to: Int) -> Double {
            let slice = heard[(from * 8)..<(to * 8)]
            return (slice.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(slice.count)).squareRoot()
        }
        #expect(rms(500, stopped - 10) > 100)
        let next = try #require(call.all("prompt_start").dropFirst().first?["t_ms"] as? Int)
        if next > stopped + 1 { #expect(rms(stopped + 1, next) == 0) }
    }

    @Test("Example A: silence forwards to the hotline exactly 4 s after the greeting ends")
    func silenceForwards() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let call = try simulate(keys: ",", leadMs: 0, in: directory)
        let greetingEnd = try #require(call.first("prompt_end"))
        #expect(greetingEnd["reason"] as? String == "finished")
        let end = try #require(greetingEnd["t_ms"] as? Int)
        #expect(call.ms("noinput") == end + 4000)
        #expect(call.all("prompt_start").map { $0["prompt"] as? String } == ["op_greeting", "forwarding_to_hotline"])
        let transfer = try #require(call.first("transfer"))
        #expect(transfer["to"] as? String == "tel:+78002004040")
        #expect(transfer["mode"] as? String == "blind")
    }

    @Test("Example A: two wrong keys forward to the hotline too")
    func twoWrongKeys() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let call = try simulate(keys: "1,,,2", leadMs: 2000, in: directory)
        #expect(call.all("invalid").map { $0["digits"] as? String } == ["1", "2"])
        #expect(call.first("transfer")?["to"] as? String == "tel:+78002004040")
    }

    @Test("simulate: a busy support queue falls back to the hotline")
    func busyFallsBack() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let call = try simulate(keys: "9", leadMs: 1000, extra: ["--transfer-result", "busy"], in: directory)
        #expect(call.first("transfer_result")?["result"] as? String == "busy")
        #expect(call.all("transfer").map { $0["to"] as? String } == ["queue:tech_support", "tel:+78002004040"])
    }

    @Test("simulate: the same inputs give the same output, byte for byte")
    func deterministic() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let first = try simulate(keys: "1,,,2", leadMs: 1500, in: directory)
        let heard = try Data(contentsOf: directory.appendingPathComponent("heard.wav"))
        let second = try simulate(keys: "1,,,2", leadMs: 1500, in: directory)
        #expect(first.result.standardOutput == second.result.standardOutput)
        #expect(try Data(contentsOf: directory.appendingPathComponent("heard.wav")) == heard)
    }

    @Test("check: both examples are valid and their tests pass", arguments: [hotline, callCentre])
    func checkExamples(menu: String) throws {
        let result = try CLIRunner.run(["check", "--menu", menu], in: Self.repository)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.lines.last?.contains("0 errors") == true)
        #expect(result.lines.filter { $0.hasPrefix("pass") }.count >= 4)
    }

    @Test("check: a bad menu exits 65 and names the place of every problem")
    func checkBadMenu() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let text = try String(contentsOfFile: Self.hotline, encoding: .utf8)
            .replacingOccurrences(of: "max_digits: 1", with: "max_digits: 1\n    match: greedy")
            .replacingOccurrences(of: "long: [op_greeting]", with: "long: [op_greetng]")
        try text.write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["check", "--menu", "bad.yaml"], in: directory)
        #expect(result.status == 65)
        #expect(result.standardError.contains("bad.yaml:33:12: error: match must be one of eager, shortest, strict"))
        // Not started at all: simulate refuses the same file.
        let simulate = try CLIRunner.run(["simulate", "--menu", "bad.yaml", "--caller", "none.al"], in: directory)
        #expect(simulate.status == 65)
        #expect(simulate.standardOutput.isEmpty)
    }

    @Test("check: a misspelt prompt id is an error with its place")
    func checkMisspeltPrompt() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let text = try String(contentsOfFile: Self.hotline, encoding: .utf8)
            .replacingOccurrences(of: "long: [op_greeting]", with: "long: [op_greetng]")
            .replacingOccurrences(of: "root: ../Prompts", with: "root: \(Self.repository.path)/Prompts")
        try text.write(to: directory.appendingPathComponent("typo.yaml"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["check", "--menu", "typo.yaml"], in: directory)
        #expect(result.status == 65)
        #expect(result.standardOutput.contains("typo.yaml:29:14: error: prompt `op_greetng` has no file"))
    }

    @Test("missing and bad inputs: 66 and 65 with the file named")
    func badInputs() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let missing = try CLIRunner.run(["check", "--menu", "nothing.yaml"], in: directory)
        #expect(missing.status == 66)
        #expect(missing.standardError.contains("nothing.yaml"))
        try Data("RIFF\u{0}\u{0}garbage".utf8).write(to: directory.appendingPathComponent("bad.wav"))
        let badCaller = try CLIRunner.run(["simulate", "--menu", Self.hotline, "--caller", "bad.wav"], in: directory)
        #expect(badCaller.status == 65)
        #expect(badCaller.standardError.contains("bad.wav"))
        let badStart = try CLIRunner.run(
            ["simulate", "--menu", Self.hotline, "--caller", "bad.wav", "--start", "yesterday"], in: directory)
        #expect(badStart.status == 64)
    }
}
