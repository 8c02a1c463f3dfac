import Foundation

/// A `jackd` with the dummy backend (8 kHz, 20 ms periods, 8 ports each way), started by a test and
/// stopped by it: the real-time pacing that a machine with no sound card lacks.
///
/// Each server gets its own name (`-n`), so that tests of other packages running at the same time do
/// not meet it; clients reach it through `JACK_DEFAULT_SERVER`, and `JACK_NO_START_SERVER=1` keeps
/// them from spawning one.
public final class JACKServer {
    /// The path of `program` on `PATH`, if it is installed.
    public static func executable(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Whether jackd and jack_wait are installed (Debian's jackd2; `make test` installs it).
    public static let isInstalled = executable("jackd") != nil && executable("jack_wait") != nil

    /// The server name, unique to this process.
    public static let name = "ivrmedia-test-\(getpid())"

    private static let turn = DispatchSemaphore(value: 1)
    private var released = false
    let process = Process()
    let log: String

    /// Starts the server and waits until it accepts clients (`jack_wait -w`, 10 s at most); its output
    /// goes to `logPath`. Sets `JACK_DEFAULT_SERVER` and `JACK_NO_START_SERVER` for this process and the
    /// processes it starts.
    public init(logPath: String) throws {
        // One server at a time in this process, whichever suite asks (they share the server name and
        // the environment): the next waits until this one is stopped.
        Self.turn.wait()
        setenv("JACK_NO_START_SERVER", "1", 1)
        setenv("JACK_DEFAULT_SERVER", Self.name, 1)
        log = logPath
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: Self.executable("jackd")!)
        process.arguments = [
            "-n", Self.name, "--no-realtime", "-d", "dummy", "-r", "8000", "-p", "160", "-C", "8", "-P", "8",
        ]
        process.standardOutput = output
        process.standardError = output
        try process.run()

        let wait = Process()
        wait.executableURL = URL(fileURLWithPath: Self.executable("jack_wait")!)
        wait.arguments = ["-s", Self.name, "-w", "-t", "10"]
        wait.standardOutput = FileHandle.nullDevice
        try wait.run()
        wait.waitUntilExit()
        guard wait.terminationStatus == 0, process.isRunning else {
            stop()
            throw JACKServerError(message: "jackd did not come up: " + logText)
        }
    }

    deinit {
        stop()
    }

    /// Stops the server (SIGTERM to its process) and waits for it to exit, so that the next test can
    /// start another. Idempotent.
    public func stop() {
        if process.isRunning { process.terminate() }
        if process.processIdentifier != 0 { process.waitUntilExit() }
        if !released {
            released = true
            Self.turn.signal()
        }
    }

    /// What the server printed.
    public var logText: String {
        (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log)"
    }
}

public struct JACKServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
