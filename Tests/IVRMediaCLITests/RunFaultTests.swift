import Foundation
import MediaTestSupport
import Testing

/// `ivrmedia run` when things go wrong around it: the events file stops taking writes, the process is
/// killed, and the control channel is abused. Playback goes to /dev/null through ALSA's file plugin.
@Suite("ivrmedia run: faults around the engine", .serialized)
struct RunFaultTests {
    /// A directory with Example A's menu and an ALSA configuration playing to /dev/null.
    struct Setup {
        let directory: URL
        let menu: String
        let config: String
        let eventsPath: String

        init() throws {
            directory = try CLIRunner.temporaryDirectory()
            menu = directory.appendingPathComponent("menu.yaml").path
            try RunControlTests.writeMenu(URL(fileURLWithPath: menu), greeting: "op_greeting")
            config = directory.appendingPathComponent("alsa.conf").path
            try RunControlTests.writeALSAConfig(config, playback: "/dev/null")
            eventsPath = directory.appendingPathComponent("events.jsonl").path
        }

        /// `ivrmedia run` on two lines a and b, events to the file, with `extra` arguments.
        func arguments(_ extra: [String]) -> [String] {
            [
                "run", "--menu", menu, "--alsa-config", config, "--device", "lines", "--line-ids", "a,b",
                "--events", eventsPath,
            ] + extra
        }

        /// The events file's lines, each of which must be a whole JSON object (the test fails on any
        /// other), and whether the file ends with a newline.
        func events() throws -> (events: [[String: Any]], endsWithNewline: Bool) {
            let data = FileManager.default.contents(atPath: eventsPath) ?? Data()
            let lines = data.split(separator: 0x0A)
            let parsed = try lines.map { line in
                try #require(
                    JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                    "not a whole JSON line: \(String(decoding: line, as: UTF8.self))")
            }
            return (parsed, data.last.map { $0 == 0x0A } ?? true)
        }
    }

    /// Waits up to 10 s for `condition` (a broken run fails the test rather than hanging it).
    static func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while try !condition() {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    @Test func aFileSizeLimitMidRunIsSaidOnceAndTheRunGoesOnToItsEnd() throws {
        let setup = try Setup()
        // RLIMIT_FSIZE at 1 KiB (dash counts in 512-byte blocks): the first events fit, the rest do not.
        // Without SIGXFSZ ignored the first write past it would kill the process.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments =
            ["-c", "ulimit -f 2; exec \"$0\" \"$@\"", CLIRunner.executable.path]
            + setup.arguments(["--answer-all", "--pacing", "lockstep", "--duration", "40"])
        let errors = Pipe()
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        #expect(CLIRunner.waitForExit(process, seconds: 30))
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // 0: the run reached its --duration (a killed or failed run would not).
        #expect(process.terminationStatus == 0, "\(errorText)")
        #expect(process.terminationReason == .exit)
        let message =
            "ivrmedia: \(setup.eventsPath): cannot write events (File too large); "
            + "events are dropped until writing works again\n"
        #expect(errorText.components(separatedBy: message).count - 1 == 1, "\(errorText)")
        // At the end, how many were lost (the events went on being made, and dropped, to the end).
        #expect(errorText.hasSuffix(" events were dropped\n"), "\(errorText)")
        let (events, endsWithNewline) = try setup.events()
        #expect(endsWithNewline)
        #expect(!events.isEmpty)
        #expect(events.contains { $0["event"] as? String == "call_start" })
        let size = try FileManager.default.attributesOfItem(atPath: setup.eventsPath)[.size] as? Int ?? 0
        #expect(size <= 1024)
        // The run went on past the limit: its end (run_end) was among the events dropped.
        #expect(!events.contains { $0["event"] as? String == "run_end" })
    }

    @Test func aRunKilledMidWayLeavesOnlyWholeLines() throws {
        let setup = try Setup()
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = setup.arguments(["--answer-all", "--pacing", "clock"])
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(try Self.eventually { try setup.events().events.count >= 6 })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let (events, endsWithNewline) = try setup.events()
        #expect(endsWithNewline)
        #expect(events.count >= 6)
    }

    @Test func aPromptDeletedUnderTheRunStillPlaysAndAReloadMissingItIsRefused() throws {
        let setup = try Setup()
        // The run's own copy of the prompts, to delete from.
        let root = setup.directory.appendingPathComponent("Prompts").path
        try FileManager.default.copyItem(atPath: MenuCommandTests.repository.path + "/Prompts", toPath: root)
        try RunControlTests.writeMenu(URL(fileURLWithPath: setup.menu), greeting: "op_greeting", root: root)
        let played = setup.directory.appendingPathComponent("out.raw").path
        try RunControlTests.writeALSAConfig(setup.config, playback: played)
        let control = setup.directory.appendingPathComponent("control.sock").path
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = setup.arguments(["--pacing", "clock", "--control", control])
        process.standardInput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(Self.eventually { FileManager.default.fileExists(atPath: control) })
        func all(_ name: String) throws -> [[String: Any]] {
            try setup.events().events.filter { $0["event"] as? String == name }
        }

        // The only file of the greeting (the menu speaks ru alone) goes, once the run has loaded it.
        try FileManager.default.removeItem(atPath: root + "/ru/op_greeting.opus")
        try RunControlTests.send(#"{"event":"call_started","line":"a"}"#, to: control)
        #expect(try Self.eventually { try all("prompt_start").count == 1 })
        // A reload now would lose it: refused, naming it.
        kill(process.processIdentifier, SIGHUP)
        #expect(try Self.eventually { try all("config_reload_failed").count == 1 })
        try RunControlTests.send(#"{"event":"call_started","line":"b"}"#, to: control)
        #expect(try Self.eventually { try all("prompt_start").count == 2 })
        Thread.sleep(forTimeInterval: 0.3)  // some of b's greeting into the playback file
        kill(process.processIdentifier, SIGTERM)
        #expect(CLIRunner.waitForExit(process, seconds: 10), "SIGTERM did not end the run")
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(errorText)")

        let problems = try all("config_reload_failed").first?["problems"] as? [String] ?? []
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { $0.contains("prompt `op_greeting` has no file under \(root)") }, "\(problems)")
        #expect(try all("config_reloaded").isEmpty)
        #expect(try all("prompt_start").map { $0["prompt"] as? String } == ["op_greeting", "op_greeting"])
        #expect(try all("prompt_missing").isEmpty)
        // Both lines played the greeting from memory: neither channel of the playback is silent.
        let data = try Data(contentsOf: URL(fileURLWithPath: played))
        let samples = data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        for line in 0..<2 {
            let channel = stride(from: line, to: samples.count, by: 2).map { Double(samples[$0]) }
            let rms = (channel.reduce(0) { $0 + $1 * $1 } / Double(max(channel.count, 1))).squareRoot()
            #expect(rms > 100, "line \(line) played nothing")
        }
    }

    @Test func theControlChannelSurvivesAbuseAndNeverHoldsUpTheAudio() throws {
        let setup = try Setup()
        let control = setup.directory.appendingPathComponent("control.sock").path
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = setup.arguments(["--pacing", "clock", "--control", control])
        let errors = Pipe()
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(Self.eventually { FileManager.default.fileExists(atPath: control) })
        func all(_ name: String) throws -> [[String: Any]] {
            try setup.events().events.filter { $0["event"] as? String == name }
        }

        // A client that connects and never writes, for the whole run.
        let idle = try RunControlTests.connect(control)
        defer { close(idle) }
        // A megabyte line, then a good one on the same connection.
        let big = try RunControlTests.connect(control)
        UnixSocketClient.write(
            [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
                + Array("\n{\"event\":\"call_started\",\"line\":\"a\",\"caller\":\"+79001112233\"}\n".utf8), to: big)
        #expect(try Self.eventually { try all("call_start").count == 1 })
        close(big)
        // Garbage between good lines: not JSON, binary, empty lines, half a line at the end.
        let garbage = try RunControlTests.connect(control)
        UnixSocketClient.write(
            Array("not json\n".utf8) + [0x00, 0xFF, 0x7B, 0x0A, 0x0A] + Array("   \n".utf8)
                + Array("{\"event\":\"call_started\",\"line\":\"b\",\"caller\":\"+79004445566\"}\n{\"event\":\"ca".utf8),
            to: garbage)
        close(garbage)
        #expect(try Self.eventually { try all("call_start").count == 2 })

        // A hundred clients at once, each with a line the engine refuses by name (one control_error each).
        let crowd = try (0..<100).map { _ in try RunControlTests.connect(control) }
        for client in crowd { UnixSocketClient.write(Array("{\"event\":\"nope\",\"line\":\"a\"}\n".utf8), to: client) }
        var refusals: [Int32: String] = [:]
        let allRefused = Self.eventually {
            for client in crowd where refusals[client] == nil {
                refusals[client] = UnixSocketClient.readIfReady(client)
            }
            // The idle client holds one of the 64 places.
            return refusals.count == 100 - 63
        }
        #expect(allRefused)
        #expect(Set(refusals.values) == ["error: too many control clients (at most 64)\n"])
        let unknown = try Self.eventually {
            try all("control_error").filter { $0["message"] as? String == "unknown event nope" }.count == 63
        }
        #expect(unknown)
        for client in crowd { close(client) }
        // The channel goes on after all that.
        try RunControlTests.send(#"{"event":"call_ended","line":"a"}"#, to: control)
        #expect(try Self.eventually { try all("call_end").count == 1 })

        kill(process.processIdentifier, SIGTERM)
        #expect(CLIRunner.waitForExit(process, seconds: 10), "SIGTERM did not end the run")
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(errorText)")
        #expect(!FileManager.default.fileExists(atPath: control))

        let starts = try all("call_start")
        #expect(starts.map { $0["caller"] as? String } == ["+79001112233", "+79004445566"])
        let problems = try all("control_error").compactMap { $0["message"] as? String }
        #expect(problems.filter { $0 == "control line longer than 65536 bytes: dropped" }.count == 1)
        #expect(problems.contains { $0.hasPrefix("not a JSON object with \"event\": not json") })
        // The audio thread kept its time through all of it: no period ended after the next one was due.
        let end = try #require(try all("run_end").first)
        #expect(end["cause"] as? String == "shutdown")
        #expect(end["late_periods"] as? Int == 0)
    }
}
