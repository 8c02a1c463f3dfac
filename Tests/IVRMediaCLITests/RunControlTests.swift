import Foundation
import MediaTestSupport
import Testing

/// `ivrmedia run` driven as the telephony side drives it: calls over the control socket, a reload with
/// SIGHUP (a good file and a bad one), and SIGTERM ending every call cleanly.
@Suite("ivrmedia run: control channel, reload and signals", .serialized)
struct RunControlTests {
    /// Writes Example A with an absolute prompt root (the repository's Prompts unless `root` says) and
    /// `greeting` as its first prompt.
    static func writeMenu(_ path: URL, greeting: String, root: String? = nil) throws {
        let text = try String(contentsOfFile: MenuCommandTests.hotline, encoding: .utf8)
            .replacingOccurrences(
                of: "root: ../Prompts", with: "root: \(root ?? MenuCommandTests.repository.path + "/Prompts")"
            )
            .replacingOccurrences(of: "long: [op_greeting]", with: "long: [\(greeting)]")
        try text.write(to: path, atomically: true, encoding: .utf8)
    }

    /// A client connected to the Unix socket at `path`.
    static func connect(_ path: String) throws -> Int32 {
        try #require(UnixSocketClient.connect(path), "cannot connect to \(path)")
    }

    /// Sends one line to the Unix socket at `path`.
    static func send(_ line: String, to path: String) throws {
        let fd = try connect(path)
        defer { close(fd) }
        UnixSocketClient.write(Array((line + "\n").utf8), to: fd)
    }

    /// An ALSA configuration with PCM `lines`: playback to `playback` (raw), capture from /dev/zero.
    static func writeALSAConfig(_ path: String, playback: String) throws {
        try """
        pcm.lines {
            type asym
            playback.pcm { type file  slave { pcm { type null } }  file "\(playback)"  format "raw" }
            capture.pcm  { type file  slave { pcm { type null } }  file "/dev/null"  infile "/dev/zero"  format "raw" }
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func callsReloadAndShutdown() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let menu = directory.appendingPathComponent("menu.yaml")
        try Self.writeMenu(menu, greeting: "op_greeting")
        let config = directory.appendingPathComponent("alsa.conf").path
        try Self.writeALSAConfig(config, playback: "\(directory.path)/out.raw")
        let control = directory.appendingPathComponent("control.sock").path
        let eventsPath = directory.appendingPathComponent("events.jsonl").path
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = [
            "run", "--menu", menu.path, "--alsa-config", config, "--device", "lines", "--line-ids", "a,b",
            "--pacing", "clock", "--control", control, "--events", eventsPath,
        ]
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: control) { Thread.sleep(forTimeInterval: 0.05) }

        try Self.send(#"{"event":"call_started","line":"a","caller":"+79001112233","did":"505"}"#, to: control)
        Thread.sleep(forTimeInterval: 0.4)
        try Self.writeMenu(menu, greeting: "op_menu_short")  // a good new file
        kill(process.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.4)
        try Self.send(#"{"event":"call_started","line":"b"}"#, to: control)
        Thread.sleep(forTimeInterval: 0.3)
        try "version: 2\nnodes: {}\n".write(to: menu, atomically: true, encoding: .utf8)  // a bad one
        kill(process.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.3)
        try Self.send(#"{"event":"call_ended","line":"a"}"#, to: control)
        Thread.sleep(forTimeInterval: 0.2)
        try Self.send(#"{"event":"call_started","line":"a"}"#, to: control)
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGTERM)
        // Never hang the suite: a run that ignores SIGTERM fails here.
        #expect(CLIRunner.waitForExit(process, seconds: 10), "SIGTERM did not end the run")
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(errorText)")

        let lines = try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        func all(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }
        // Three calls: two on a (the first ended by the telephony side), one on b.
        let starts = all("call_start")
        #expect(starts.map { $0["line"] as? String } == ["a", "b", "a"])
        #expect(starts.first?["caller"] as? String == "+79001112233")
        #expect(Set(starts.compactMap { $0["call_id"] as? String }).count == 3)
        // The good reload took effect for the calls after it; the bad one kept the configuration.
        #expect(all("config_reloaded").count == 1)
        #expect(all("config_reload_failed").count == 1)
        let firstPrompts = all("prompt_start").filter { $0["call_id"] as? String == starts[0]["call_id"] as? String }
        #expect(firstPrompts.first?["prompt"] as? String == "op_greeting")
        let later = all("prompt_start").filter { $0["call_id"] as? String == starts[2]["call_id"] as? String }
        #expect(later.first?["prompt"] as? String == "op_menu_short")
        // SIGTERM ended the two calls still up, with their call_end.
        #expect(all("call_end").count == 3)
        #expect(all("hangup").filter { $0["cause"] as? String == "shutdown" }.count == 2)
        #expect(!FileManager.default.fileExists(atPath: control))
    }
}
