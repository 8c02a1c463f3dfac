import Foundation

/// A `jackd` with the dummy backend (8 kHz, 20 ms periods, 8 ports each way), started by a test and
/// stopped by it: the real-time pacing that a machine with no sound card lacks.
///
/// Each server gets its own name (`-n`), so that tests of other packages running at the same time do
/// not meet it; clients reach it through `JACK_DEFAULT_SERVER`, and `JACK_NO_START_SERVER=1` keeps
/// them from spawning one.
final class JACKServer {
    /// The path of `program` on `PATH`, if it is installed.
    static func executable(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Whether jackd and jack_wait are installed (Debian's jackd2; `make test` installs it).
    static let isInstalled = executable("jackd") != nil && executable("jack_wait") != nil

    /// The server name, unique to this process.
    static let name = "ivrmedia-audioio-\(getpid())"

    let process = Process()
    let log: String

    /// Starts the server and waits until it accepts clients (`jack_wait -w`, 10 s at most).
    init(logDirectory: TemporaryDirectory) throws {
        setenv("JACK_NO_START_SERVER", "1", 1)
        setenv("JACK_DEFAULT_SERVER", Self.name, 1)
        log = logDirectory.file("jackd.log")
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
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// What the server printed.
    var logText: String {
        (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log)"
    }
}

struct JACKServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
