import Foundation
import Testing

/// `ivrmedia simulate` ends at once on SIGTERM or SIGINT, even started with them ignored (as a shell
/// starts background jobs) and blocked reading a caller that never ends: the events so far are whole
/// lines, the call's end is written, and the exit status is 128 plus the signal's number.
@Suite("ivrmedia simulate: signals", .serialized)
struct SimulateSignalTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalEndsTheCallAtOnce(signal: Int32) throws {
        let directory = try CLIRunner.temporaryDirectory()
        let fifo = directory.appendingPathComponent("caller.sln").path
        try #require(mkfifo(fifo, 0o600) == 0)
        // Held open for writing (O_RDWR does not wait for a reader) and never closed before the end: the
        // caller's audio never ends.
        let writer = open(fifo, O_RDWR)
        try #require(writer >= 0)
        defer { close(writer) }
        let silence = [UInt8](repeating: 0, count: 16_000)  // 1 s of 16-bit samples
        try #require(silence.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } == silence.count)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "trap '' TERM INT; exec \"$0\" \"$@\"", CLIRunner.executable.path, "simulate", "--menu",
            MenuCommandTests.hotline, "--caller", fifo,
        ]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Once it has read the second of audio it is reading the caller, with its handlers in place.
        let deadline = Date().addingTimeInterval(10)
        var unread: Int32 = 1
        while unread > 0, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            _ = ioctl(writer, UInt(FIONREAD), &unread)
        }
        #expect(unread == 0, "simulate never read its caller")
        kill(process.processIdentifier, signal)
        // Waited for before reading its output (a few lines: they fit in the pipe), so that a simulate
        // deaf to the signal fails the test rather than hanging it.
        #expect(CLIRunner.waitForExit(process, seconds: 10), "the signal did not end simulate")
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 128 + signal, "\(errorText)")
        #expect(outputData.last == 0x0A)
        let events = try outputData.split(separator: 0x0A).map {
            try #require(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
        #expect(events.first?["event"] as? String == "call_start")
        #expect(events.contains { $0["event"] as? String == "hangup" && $0["cause"] as? String == "shutdown" })
        #expect(events.last?["event"] as? String == "call_end")
    }
}
