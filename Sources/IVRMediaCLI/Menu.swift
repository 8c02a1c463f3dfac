import ArgumentParser
import Foundation
import IVRCalendar
import IVRConfiguration
import IVRRouting
import MediaPipeline
import PromptMixer
import Synchronization

/// The menu of a command: `MenuFile.load`, with its problems on standard error and its failure as the
/// command's.
func loadMenu(_ path: String) throws -> (configuration: MenuConfiguration, warnings: [ConfigurationProblem], prompts: PromptLibrary) {
    do {
        return try MenuFile.load(path, problems: { StandardError.write($0 + "\n") })
    } catch {
        throw CLIError(error)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a menu file and run its tests: scenarios.",
        discussion: """
            Prints every problem as file:line:column: error|warning: message, then one line per test \
            scenario. A prompt that the DTMF receiver hears as a key, as it is or as a loud telephone-band \
            copy, is a warning. Exits 0 when the file is valid and every scenario passes, 65 otherwise (66 \
            when the file does not exist).
            """
    )

    @Option(help: "The menu file (YAML).")
    var menu: String

    func run() throws {
        let (configuration, warnings, library) = try loadMenu(menu)
        let promptProblems = MenuPrompts.check(configuration, library) + MenuPrompts.keyCheck(configuration, library)
        let problems = (warnings + promptProblems).sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        var out = OutputLines()
        for problem in problems { out.append(problem.description) }
        let results = ScenarioRunner.runAll(configuration)
        for result in results {
            out.append("\(result.passed ? "pass" : "FAIL")  \(result.scenario.name)")
            for failure in result.failures { out.append("      \(failure)") }
            if !result.passed {
                out.append("      the call did:")
                for step in result.trace { out.append("        \(step)") }
            }
        }
        let errors = problems.filter { $0.severity == .error }.count
        let failed = results.filter { !$0.passed }.count
        out.append(
            "\(menu): \(errors) error\(errors == 1 ? "" : "s"), \(problems.count - errors) warning\(problems.count - errors == 1 ? "" : "s"), "
                + "\(results.count - failed)/\(results.count) tests passed")
        out.flush()
        if errors > 0 || failed > 0 { throw CLIError(.dataError, "\(menu): check failed") }
    }
}

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play one call through the menu on a virtual clock, with a recorded caller.",
        discussion: """
            The DTMF receiver hears AUDIO frame by frame, the router decides and the mixer plays the \
            prompts; the events go to standard output as JSON lines and what the caller heard to --heard. \
            The clock is virtual (an hour of audio takes seconds) and the output is the same, byte for \
            byte, for the same inputs. After the end of AUDIO the caller is silent. SIGINT or SIGTERM ends \
            the call at once (hangup with cause shutdown, then call_end): the events so far are written \
            whole, and the exit status is 128 plus the signal's number (130, 143).
            """
    )

    @Option(help: "The menu file (YAML).")
    var menu: String

    @Option(help: "The caller's audio (any format `detect` reads; the first channel is used).")
    var caller: String

    @OptionGroup var damage: DamageOptions

    @Option(help: "The line id the call comes in on (lines[].match.line).")
    var line: String?

    @Option(help: "The number called (lines[].match.did).")
    var did: String?

    @Option(help: "The caller's number.")
    var callerID: String?

    @Option(help: "When the call starts, ISO 8601 with an offset (default 2027-03-15T12:00:00+03:00).")
    var start: String = "2027-03-15T12:00:00+03:00"

    @Option(help: "Write what the caller heard (8 kHz; format by extension).")
    var heard: String?

    @Option(help: "How the far end answers a bridged transfer: ok, busy, noanswer, failed.")
    var transferResult: String = "ok"

    @Option(help: "Stop after this much call time, seconds.")
    var maxSeconds: Int = 3600

    @Option(
        help: ArgumentHelp(
            "Add the line's echo of what it plays to the caller's audio, this many dB down (an analogue line without an echo canceller: at least 6).",
            valueName: "dB"))
    var echoLossDb: Double?

    @Option(help: ArgumentHelp("How late the echo comes back after it is played, ms (with --echo-loss-db).", valueName: "ms"))
    var echoDelayMs: Double = 20

    func run() throws {
        guard let startDate = Timestamp.parse(start) else {
            throw CLIError(.usage, "--start \"\(start)\" is not an ISO 8601 time such as 2027-03-14T18:59:00+03:00")
        }
        guard let result = TransferResult(rawValue: transferResult) else {
            throw CLIError(.usage, "--transfer-result must be ok, busy, noanswer or failed, not \"\(transferResult)\"")
        }
        guard maxSeconds > 0 else { throw CLIError(.usage, "--max-seconds must be positive") }
        if let echoLossDb, !(echoLossDb >= 0 && echoLossDb <= 100) {
            throw CLIError(.usage, "--echo-loss-db must be from 0 to 100 dB, not \(echoLossDb)")
        }
        guard echoDelayMs >= 0 && echoDelayMs <= 1000 else {
            throw CLIError(.usage, "--echo-delay-ms must be from 0 to 1000 ms, not \(echoDelayMs)")
        }
        if let heard { _ = try AudioOutput.format(for: heard, encoding: nil) }
        // Caught rather than left to kill the process, so that an interrupted call still ends with whole
        // event lines and its end written (and so that a parent that started us with them ignored or
        // blocked cannot make us deaf to them).
        Signals.install([SIGINT, SIGTERM])
        let (configuration, warnings, library) = try loadMenu(menu)
        for warning in warnings { StandardError.write("\(warning)\n") }
        // The call stops at --max-seconds, so the caller's audio is read no further than that: an endless
        // pipe or a file of hours takes the memory of one call, not of the whole input.
        let limit = min(maxSeconds, Int.max / CallSession.sampleRate) * CallSession.sampleRate
        let samples = try CallerAudio.read(path: caller, strict: damage.strict, limit: limit) ?? []

        var options = CallSimulation.Options(line: line, did: did, caller: callerID, start: startDate)
        options.transferResult = result
        options.echo = echoLossDb.map { CallSimulation.Echo(delayMilliseconds: echoDelayMs, lossDB: $0) }
        var out = OutputLines()
        var simulation = CallSimulation(configuration: configuration, library: library, options: options) {
            out.append($0)
        }
        let audio = samples.withUnsafeBufferPointer {
            simulation.run(caller: $0, maximumSeconds: maxSeconds) { Signals.terminating != nil }
        }
        out.flush()
        if let heard { try AudioOutput.write(audio, sampleRate: CallSession.sampleRate, to: heard, encoding: nil) }
        if let signal = Signals.terminating { throw ExitCode(128 + signal) }
    }
}

/// The caller's audio for `simulate`, read on a thread of its own, so that an open or a read blocked on a
/// pipe or a FIFO (libsndfile retries a read that a signal interrupts) cannot keep SIGINT or SIGTERM from
/// ending the command.
enum CallerAudio {
    final class Outcome: Sendable {
        let value = Mutex<Result<[Int16], any Error>?>(nil)
    }

    /// Up to `limit` samples of the first channel of `path`; nil when a terminating signal came first.
    static func read(path: String, strict: Bool, limit: Int) throws -> [Int16]? {
        let outcome = Outcome()
        Thread {
            let result = Result { () throws -> [Int16] in
                var input = try InputAudio(path: path, format: nil, strict: strict)
                var samples: [Int16] = []
                while samples.count < limit, let block = try input.next() {
                    samples += block[0].prefix(limit - samples.count)
                }
                return samples
            }
            outcome.value.withLock { $0 = result }
        }.start()
        while true {
            if let result = outcome.value.withLock({ $0 }) { return try result.get() }
            if Signals.terminating != nil { return nil }
            usleep(10_000)
        }
    }
}
