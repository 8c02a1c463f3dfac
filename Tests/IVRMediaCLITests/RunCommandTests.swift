import DSPCore
import Foundation
import MediaCodecs
import Testing

/// `ivrmedia run` through real alsa-lib: the file plugin over the null device, opened from a private
/// configuration (`--alsa-config`), in lockstep so that every decision is on time and the test is quick.
@Suite("ivrmedia run over ALSA's file plugin", .serialized)
struct RunCommandTests {
    static let hotline = MenuCommandTests.hotline
    static let lines = 8

    /// Each line's caller: even lines press 9 during the greeting, odd lines press 1 and then 2 (two
    /// wrong keys); the lead differs per line, so that no two lines are alike.
    static func callers() -> [[Int16]] {
        (0..<lines).map { line in
            let generator = DTMFGenerator(levelDBm0: -12, onMilliseconds: 80, offMilliseconds: 1500)
            let keys: [DTMFDigit] = line % 2 == 0 ? [.nine] : [.one, .two]
            return [Int16](repeating: 0, count: (800 + 150 * line) * 8) + generator.render(keys)
        }
    }

    /// Writes the capture file (interleaved, in `format`) and the ALSA configuration; returns the
    /// configuration's path and the playback file's.
    static func setUp(format: String, seconds: Int, in directory: URL) throws -> (config: String, playback: String) {
        let callers = Self.callers()
        let frames = seconds * 8000
        var bytes = Data()
        for frame in 0..<frames {
            for line in 0..<lines {
                let sample = frame < callers[line].count ? callers[line][frame] : 0
                switch format {
                case "MU_LAW": bytes.append(G711.muLawEncode(sample))
                case "A_LAW": bytes.append(G711.aLawEncode(sample))
                default: withUnsafeBytes(of: sample.littleEndian) { bytes.append(contentsOf: $0) }
                }
            }
        }
        let capture = directory.appendingPathComponent("capture.raw").path
        let playback = directory.appendingPathComponent("playback.raw").path
        try bytes.write(to: URL(fileURLWithPath: capture))
        let config = """
            pcm.lines {
                type asym
                playback.pcm { type file  slave { pcm { type null } }  file "\(playback)"  format "raw" }
                capture.pcm  { type file  slave { pcm { type null } }  file "/dev/null"  infile "\(capture)"  format "raw" }
            }
            """
        let configPath = directory.appendingPathComponent("alsa.conf").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        return (configPath, playback)
    }

    @Test(
        "8 lines in one capture file: the right events on the right lines, each line's prompts on its channel",
        arguments: ["S16_LE", "MU_LAW", "A_LAW"])
    func eightLines(format: String) throws {
        let directory = try CLIRunner.temporaryDirectory()
        let seconds = 12
        let (config, playbackPath) = try Self.setUp(format: format, seconds: seconds, in: directory)
        let ids = (0..<Self.lines).map { "fxo\($0)" }
        let result = try CLIRunner.run(
            [
                "run", "--menu", Self.hotline, "--alsa-config", config, "--device", "lines", "--channels", "8",
                "--line-ids", ids.joined(separator: ","), "--format", format, "--duration", String(seconds),
                "--pacing", "lockstep", "--answer-all", "--transfer-result", "ok",
            ], in: directory, input: Data())
        #expect(result.status == 0, "\(result.standardError)")
        let events = try result.lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        for (index, id) in ids.enumerated() {
            let mine = events.filter { $0["line"] as? String == id }
            let keys = mine.filter { $0["event"] as? String == "dtmf" }.compactMap { $0["digit"] as? String }
            let transfers = mine.filter { $0["event"] as? String == "transfer" }.compactMap { $0["to"] as? String }
            if index % 2 == 0 {
                #expect(keys.first == "9", "\(id): \(keys)")
                #expect(transfers.first == "queue:tech_support", "\(id): \(transfers)")
            } else {
                #expect(Array(keys.prefix(2)) == ["1", "2"], "\(id): \(keys)")
                #expect(transfers.first == "tel:+78002004040", "\(id): \(transfers)")
            }
            // The key came when this line's caller pressed it.
            let key = try #require(mine.first { $0["event"] as? String == "dtmf" }?["t_ms"] as? Int)
            #expect(key > 800 + 150 * index + 20 && key < 800 + 150 * index + 45, "\(id) key at \(key)")
        }

        // The playback file: one channel per line, each with that line's prompts: the greeting until the
        // key, then (even lines) `connecting` or (odd lines) `invalid_entry`.
        let raw = try Data(contentsOf: URL(fileURLWithPath: playbackPath))
        let bytesPerSample = format == "S16_LE" ? 2 : 1
        let frames = raw.count / (bytesPerSample * Self.lines)
        #expect(frames >= (seconds - 1) * 8000)
        var channels = [[Int16]](repeating: [], count: Self.lines)
        raw.withUnsafeBytes { bytes in
            for frame in 0..<frames {
                for line in 0..<Self.lines {
                    let offset = (frame * Self.lines + line) * bytesPerSample
                    switch format {
                    case "MU_LAW": channels[line].append(G711.muLawDecode(bytes[offset]))
                    case "A_LAW": channels[line].append(G711.aLawDecode(bytes[offset]))
                    default:
                        channels[line].append(
                            Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
                    }
                }
            }
        }
        let prompts = MenuCommandTests.repository.appendingPathComponent("Prompts/ru")
        let greeting = try AudioFile.read(
            path: prompts.appendingPathComponent("op_greeting.opus").path, sampleRate: 8000
        ).channels[0]
        let connecting = try AudioFile.read(
            path: prompts.appendingPathComponent("connecting.opus").path, sampleRate: 8000
        ).channels[0]
        let invalid = try AudioFile.read(
            path: prompts.appendingPathComponent("invalid_entry.opus").path, sampleRate: 8000
        ).channels[0]
        func coded(_ samples: [Int16]) -> [Int16] {
            switch format {
            case "MU_LAW": samples.map { G711.muLawDecode(G711.muLawEncode($0)) }
            case "A_LAW": samples.map { G711.aLawDecode(G711.aLawEncode($0)) }
            default: samples
            }
        }
        /// True when `needle`'s 400 samples from its loudest stretch appear in `channel` as they are.
        func contains(_ channel: [Int16], _ prompt: [Int16]) -> Bool {
            let start = prompt.count / 3
            let needle = Array(coded(prompt)[start..<(start + 400)])
            guard channel.count >= needle.count else { return false }
            for offset in 0...(channel.count - needle.count) where channel[offset] == needle[0] {
                if Array(channel[offset..<(offset + needle.count)]) == needle { return true }
            }
            return false
        }
        for line in 0..<Self.lines {
            #expect(channels[line].prefix(8 * 700).contains { $0 != 0 }, "line \(line) heard no greeting")
            let expected = line % 2 == 0 ? connecting : invalid
            let other = line % 2 == 0 ? invalid : connecting
            #expect(contains(channels[line], expected), "line \(line) lacks its prompt")
            #expect(!contains(channels[line], other), "line \(line) has another line's prompt")
        }
        _ = greeting
    }

    @Test("the control channel on standard input starts a call")
    func standardInputControl() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let (config, _) = try Self.setUp(format: "S16_LE", seconds: 2, in: directory)
        let control = #"{"event":"call_started","line":"fxo3","caller":"+79005550000","did":"505"}"# + "\n"
        let result = try CLIRunner.run(
            [
                "run", "--menu", Self.hotline, "--alsa-config", config, "--device", "lines", "--channels", "8",
                "--line-ids", (0..<8).map { "fxo\($0)" }.joined(separator: ","), "--duration", "2", "--pacing",
                "clock",
            ], in: directory, input: Data(control.utf8))
        #expect(result.status == 0, "\(result.standardError)")
        let starts = result.lines.filter { $0.contains("\"event\":\"call_start\"") }
        #expect(starts.count == 1)
        #expect(starts.first?.contains("\"line\":\"fxo3\"") == true)
        #expect(starts.first?.contains("\"caller\":\"+79005550000\"") == true)
    }

    @Test("--capture and --playback: two PCMs instead of one")
    func separatePCMs() throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try Self.setUp(format: "S16_LE", seconds: 3, in: directory)
        let capture = directory.appendingPathComponent("capture.raw").path
        let playback = directory.appendingPathComponent("heard.raw").path
        let config = directory.appendingPathComponent("two.conf").path
        try """
        pcm.cap { type file  slave { pcm { type null } }  file "/dev/null"  infile "\(capture)"  format "raw" }
        pcm.play { type file  slave { pcm { type null } }  file "\(playback)"  format "raw" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(
            [
                "run", "--menu", Self.hotline, "--alsa-config", config, "--capture", "cap", "--playback", "play",
                "--channels", "8", "--duration", "3", "--pacing", "lockstep", "--answer-all",
            ], in: directory, input: Data())
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.lines.filter { $0.contains("\"event\":\"dtmf\"") }.count >= 8)
        let written = try Data(contentsOf: URL(fileURLWithPath: playback))
        #expect(written.count >= 2 * 8 * 8000 * 2)
    }

    @Test("the menu's logging.sink: file:PATH gets the events, appended")
    func fileSink() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let (config, _) = try Self.setUp(format: "S16_LE", seconds: 2, in: directory)
        let log = directory.appendingPathComponent("calls.jsonl").path
        try "{\"previous\":true}\n".write(toFile: log, atomically: true, encoding: .utf8)
        let menu = directory.appendingPathComponent("menu.yaml")
        try String(contentsOfFile: Self.hotline, encoding: .utf8)
            .replacingOccurrences(of: "root: ../Prompts", with: "root: \(MenuCommandTests.repository.path)/Prompts")
            .replacingOccurrences(of: "sink: \"syslog:local3\"", with: "sink: \"file:\(log)\"")
            .write(to: menu, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(
            [
                "run", "--menu", menu.path, "--alsa-config", config, "--device", "lines", "--channels", "8",
                "--duration", "2", "--pacing", "lockstep", "--answer-all",
            ], in: directory, input: Data())
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "{\"previous\":true}")
        #expect(lines.filter { $0.contains("\"event\":\"call_start\"") }.count == 8)
    }

    @Test("bad devices and configurations: clear errors with sysexits statuses")
    func errors() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let missing = try CLIRunner.run(
            ["run", "--menu", Self.hotline, "--alsa-config", "nothing.conf", "--device", "x", "--duration", "1"],
            in: directory, input: Data())
        #expect(missing.status == 66)
        #expect(missing.standardError.contains("nothing.conf"))
        try "pcm.x { type file".write(
            to: directory.appendingPathComponent("broken.conf"), atomically: true, encoding: .utf8)
        let broken = try CLIRunner.run(
            ["run", "--menu", Self.hotline, "--alsa-config", "broken.conf", "--device", "x", "--duration", "1"],
            in: directory, input: Data())
        #expect(broken.status == 65 || broken.status == 74, "\(broken.status) \(broken.standardError)")
        #expect(broken.standardError.contains("broken.conf") || broken.standardError.contains("x"))
        let usage = try CLIRunner.run(["run", "--menu", Self.hotline, "--duration", "1"], in: directory, input: Data())
        #expect(usage.status == 64)
    }

    @Test("run's options: a missing device is 66 whatever its name, a directory is no configuration, bad line ids and durations are usage errors")
    func optionErrors() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("confdir"), withIntermediateDirectories: true)
        let cases: [([String], Int32, [String])] = [
            (["--device", "hw:99"], 66, ["hw:99"]),
            (["--device", "nosuchdev"], 66, ["nosuchdev"]),
            (["--alsa-config", "confdir", "--device", "x"], 66, ["confdir", "is a directory"]),
            (["--device", "x", "--line-ids", "a,a"], 64, ["--line-ids", "\"a\""]),
            (["--device", "x", "--line-ids", "a,,b"], 64, ["--line-ids", "empty"]),
            (["--device", "x", "--line-ids", ""], 64, ["--line-ids", "empty"]),
            (["--device", "x", "--duration", "-1"], 64, ["--duration", "positive"]),
            (["--device", "x", "--duration", "0"], 64, ["--duration", "positive"]),
        ]
        for (options, status, mentions) in cases {
            var arguments = ["run", "--menu", Self.hotline] + options
            if !options.contains("--duration") { arguments += ["--duration", "1"] }
            let result = try CLIRunner.run(arguments, in: directory, input: Data())
            #expect(result.status == status, "\(options): \(result.status) \(result.standardError)")
            for mention in mentions {
                #expect(result.standardError.contains(mention), "\(options): \(result.standardError)")
            }
        }
    }
}
