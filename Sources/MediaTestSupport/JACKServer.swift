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

    /// One server at a time, taken and given back without blocking a thread.
    actor Turn {
        static let shared = Turn()
        private var busy = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
    }

    private var released = false
    let process = Process()
    let log: String

    /// Starts the server and waits until it accepts clients (`jack_wait -w`, 10 s at most); its output
    /// goes to `logPath`. Sets `JACK_DEFAULT_SERVER` and `JACK_NO_START_SERVER` for this process and the
    /// processes it starts.
    /// Starts a server once no other test of this process has one (they share the server name and the
    /// environment). The wait suspends rather than blocks: a blocked thread of Swift's cooperative pool
    /// could be the very one the server's holder needs to finish (seen: two waiting suites on a 2-core
    /// machine starved the third, which held the server, for ever).
    public static func start(logPath: String) async throws -> JACKServer {
        await Turn.shared.acquire()
        do {
            return try JACKServer(logPath: logPath)
        } catch {
            await Turn.shared.release()
            throw error
        }
    }

    private init(logPath: String) throws {
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
            Task { await Turn.shared.release() }
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
