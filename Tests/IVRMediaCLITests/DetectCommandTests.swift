import DSPCore
import Foundation
import MediaCodecs
import MediaTestSupport
import Testing

@Suite("ivrmedia generate, detect and convert")
struct DetectCommandTests {
    /// Parses the JSON lines of `detect --json`.
    func keys(_ result: CLIRunner.Result) throws -> [[String: Any]] {
        try result.lines.map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test(
        "generate then detect finds every key with its onset and duration, in every output format",
        arguments: ["wav", "sln", "raw", "ul", "ulaw", "al", "alaw", "opus"])
    func roundTrip(fileExtension: String) throws {
        let directory = try CLIRunner.temporaryDirectory()
        let file = "keys.\(fileExtension)"
        let generated = try CLIRunner.run(
            ["generate", "1470*#ABCD", "--on-ms", "60", "--off-ms", "90", "--lead-ms", "250", "-o", file],
            in: directory)
        #expect(generated.status == 0, "\(generated.standardError)")
        let result = try CLIRunner.run(["detect", "--json", file], in: directory)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        let objects = try keys(result)
        #expect(objects.map { $0["digit"] as? String ?? "?" }.joined() == "1470*#ABCD")
        for (index, object) in objects.enumerated() {
            let onset = try #require(object["onset_ms"] as? Double)
            let reported = try #require(object["reported_ms"] as? Double)
            let duration = try #require(object["duration_ms"] as? Double)
            let level = try #require(object["level_dbm0"] as? Double)
            // Opus adds its codec delay and smears the edges; the rest are exact to the sample.
            let tolerance = fileExtension == "opus" ? 8.0 : 1.0
            #expect(abs(onset - (250 + 150 * Double(index))) <= tolerance, "onset \(onset)")
            #expect(reported - onset > 20 && reported - onset < 40, "reported \(reported)")
            #expect(abs(duration - 60) <= 2 * tolerance + 1, "duration \(duration)")
            #expect(abs(level - -10) <= (fileExtension == "opus" ? 3 : 0.5), "level \(level)")
            #expect(object["file"] as? String == file && object["channel"] as? Int == 0)
            // Generated keys in silence are clean pairs (an Opus file's coding noise may make them noisy).
            let evidence = object["evidence"] as? String
            #expect(evidence == "clean" || (fileExtension == "opus" && evidence == "noise"), "\(evidence ?? "none")")
        }
    }

    @Test("text output: one line per key with time, digit and duration")
    func textOutput() throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try CLIRunner.run(["generate", "505", "--lead-ms", "100", "-o", "call.wav"], in: directory)
        let result = try CLIRunner.run(["detect", "call.wav"], in: directory)
        #expect(result.status == 0)
        #expect(
            result.lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) } == [
                ["0.100", "5", "100", "ms"], ["0.300", "0", "100", "ms"], ["0.500", "5", "100", "ms"],
            ])
    }

    @Test("every channel of a multichannel file is decoded on its own")
    func multichannel() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let generator = DTMFGenerator(onMilliseconds: 80, offMilliseconds: 120)
        let channels = ["123", "456", "789#"].map { generator.render(DTMFDigit.parse($0)!) }
        let length = channels.map(\.count).max()!
        let padded = channels.map { $0 + [Int16](repeating: 0, count: length - $0.count) }
        try AudioFile.write(
            DecodedAudio(sampleRate: 8000, channels: padded),
            to: directory.appendingPathComponent("three.wav").path)
        let result = try CLIRunner.run(["detect", "--json", "three.wav"], in: directory)
        #expect(result.status == 0)
        let objects = try keys(result)
        for channel in 0..<3 {
            let heard = objects.filter { $0["channel"] as? Int == channel }.map { $0["digit"] as? String ?? "?" }
            #expect(heard.joined() == ["123", "456", "789#"][channel], "channel \(channel)")
        }
    }

    @Test("- reads raw 16-bit 8 kHz audio from standard input; --format reads other raw formats")
    func standardInput() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let samples = DTMFGenerator(onMilliseconds: 70).render(DTMFDigit.parse("9#")!)
        let raw = samples.withUnsafeBufferPointer { Data(buffer: $0) }
        let result = try CLIRunner.run(["detect", "-"], in: directory, input: raw)
        #expect(result.status == 0)
        #expect(result.lines.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) } == ["9", "#"])
        let coded = Data(samples.map { G711.aLawEncode($0) })
        let alaw = try CLIRunner.run(["detect", "--format", "al", "-"], in: directory, input: coded)
        #expect(alaw.lines.count == 2)
    }

    @Test("audio at 11.025, 16, 44.1 and 48 kHz is resampled to 8 kHz", arguments: [11025, 16000, 44100, 48000])
    func otherRates(rate: Int) throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try CLIRunner.run(["generate", "2580", "--lead-ms", "40", "-o", "keys.wav"], in: directory)
        let converted = try CLIRunner.run(
            ["convert", "keys.wav", "keys-\(rate).wav", "--rate", "\(rate)"],
            in: directory)
        #expect(converted.status == 0, "\(converted.standardError)")
        let audio = try AudioFile.read(path: directory.appendingPathComponent("keys-\(rate).wav").path, sampleRate: nil)
        #expect(audio.sampleRate == rate)
        let result = try CLIRunner.run(["detect", "--json", "keys-\(rate).wav"], in: directory)
        let objects = try keys(result)
        #expect(objects.map { $0["digit"] as? String ?? "?" }.joined() == "2580")
        if let first = objects.first, let onset = first["onset_ms"] as? Double { #expect(abs(onset - 40) <= 1) }
    }

    @Test("convert writes µ-law and A-law WAV and Ogg Opus that detect still reads")
    func convertEncodings() throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try CLIRunner.run(["generate", "*0#", "-o", "keys.wav"], in: directory)
        for (output, extra) in [
            ("u.wav", ["--encoding", "ulaw"]), ("a.wav", ["--encoding", "alaw"]),
            ("k.opus", []), ("k.ulaw", []),
        ] {
            let converted = try CLIRunner.run(["convert", "keys.wav", output] + extra, in: directory)
            #expect(converted.status == 0, "\(output): \(converted.standardError)")
            let result = try CLIRunner.run(["detect", "--json", output], in: directory)
            #expect(try keys(result).map { $0["digit"] as? String ?? "?" }.joined() == "*0#", "\(output)")
        }
    }

    @Test("bad input: missing 66, corrupt or unsupported 65, bad option 64, unwritable output 74")
    func exitStatuses() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(
            to: directory.appendingPathComponent("junk.wav"))
        try Data("not audio".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        _ = try CLIRunner.run(["generate", "1", "-o", "good.wav"], in: directory)
        let good = try Data(contentsOf: directory.appendingPathComponent("good.wav"))
        try good.prefix(30).write(to: directory.appendingPathComponent("cut.wav"))

        let cases: [([String], Int32, String)] = [
            (["detect", "missing.wav"], 66, "missing.wav"),
            (["detect", "junk.wav"], 65, "junk.wav"),
            (["detect", "cut.wav"], 65, "cut.wav"),
            (["detect", "notes.txt"], 65, "notes.txt"),
            (["detect", "--format", "mp3", "good.wav"], 64, "mp3"),
            (["detect"], 64, "files"),
            (["detect", "--min-level-dbm0", "-99", "good.wav"], 64, "min-level"),
            (["generate", "12Q", "-o", "x.wav"], 64, "Q"),
            (["generate", "1", "-o", "x.mp3"], 64, "x.mp3"),
            (["generate", "1", "-o", "no/such/dir/x.wav"], 74, "x.wav"),
            (["convert", "missing.wav", "out.wav"], 66, "missing.wav"),
            (["convert", "good.wav", "out.ul", "--rate", "16000"], 64, "out.ul"),
            (["frobnicate"], 64, "frobnicate"),
        ]
        for (arguments, status, mention) in cases {
            let result = try CLIRunner.run(arguments, in: directory)
            #expect(result.status == status, "\(arguments): \(result.status) \(result.standardError)")
            #expect(result.standardError.contains(mention), "\(arguments): \(result.standardError)")
            #expect(!result.standardError.contains("Fatal error"), "\(arguments) crashed")
        }
    }

    /// Every command that reads an audio file, reading `name`.
    static func readingCommands(_ name: String) -> [[String]] {
        [
            ["detect", name], ["convert", name, "out.wav"],
            ["simulate", "--menu", MenuCommandTests.hotline, "--caller", name],
        ]
    }

    @Test("a header claiming an impossible rate is bad data in the input (65), for every command that reads it")
    func impossibleRateIsBadInput() throws {
        let directory = try CLIRunner.temporaryDirectory()
        for (name, rate) in [("slow.wav", 1), ("fast.wav", 4_202_304)] {
            try Data(TestFiles.wav(samples: [Int16](repeating: 0, count: 800), sampleRate: rate, channelCount: 1))
                .write(to: directory.appendingPathComponent(name))
            for arguments in Self.readingCommands(name) {
                let result = try CLIRunner.run(arguments, in: directory)
                #expect(result.status == 65, "\(arguments): \(result.status) \(result.standardError)")
                #expect(result.standardError.contains("\(name): corrupt"), "\(arguments): \(result.standardError)")
                #expect(result.standardError.contains("claims \(rate) Hz"), "\(arguments): \(result.standardError)")
                #expect(!result.standardError.contains("out.wav"), "\(arguments): \(result.standardError)")
                #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.wav").path))
    }

    @Test("a damaged input (Ogg Opus cut short, a raw file with a stray byte) is a warning, and 65 with --strict")
    func damagedInput() throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try CLIRunner.run(["generate", "1234567890", "-o", "full.opus"], in: directory)
        let full = try Data(contentsOf: directory.appendingPathComponent("full.opus"))
        try full.prefix(full.count - 10).write(to: directory.appendingPathComponent("cut.opus"))
        _ = try CLIRunner.run(["generate", "1", "-o", "whole.sln"], in: directory)
        let whole = try Data(contentsOf: directory.appendingPathComponent("whole.sln"))
        try (whole + Data([0x7F])).write(to: directory.appendingPathComponent("odd.sln"))
        for (name, words) in [("cut.opus", "the Ogg stream is cut short"), ("odd.sln", "the raw file ends with 1 byte")] {
            for arguments in Self.readingCommands(name) {
                let lenient = try CLIRunner.run(arguments, in: directory)
                #expect(lenient.status == 0, "\(arguments): \(lenient.standardError)")
                #expect(lenient.standardError.contains("warning: \(name): \(words)"), "\(arguments): \(lenient.standardError)")
                let strict = try CLIRunner.run(arguments + ["--strict"], in: directory)
                #expect(strict.status == 65, "\(arguments): \(strict.status) \(strict.standardError)")
                #expect(strict.standardError.hasPrefix("ivrmedia: \(name): "), "\(arguments): \(strict.standardError)")
                #expect(strict.standardError.contains(words), "\(arguments): \(strict.standardError)")
                #expect(!strict.standardError.contains("warning"), "\(arguments): \(strict.standardError)")
            }
        }
        let clean = try CLIRunner.run(["detect", "--strict", "full.opus"], in: directory)
        #expect(clean.status == 0 && clean.standardError.isEmpty, "\(clean.standardError)")
    }

    @Test("simulate reads the caller no further than --max-seconds: an endless caller on standard input ends")
    func simulateStopsReadingAtTheCallsEnd() throws {
        let directory = try CLIRunner.temporaryDirectory()
        // A pipe that never ends (a character device reads as an empty file), fed until ivrmedia stops
        // reading; SIGPIPE is ignored so that the feeder sees EPIPE instead of ending the test process.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["simulate", "--menu", MenuCommandTests.hotline, "--caller", "-", "--max-seconds", "30"]
        process.currentDirectoryURL = directory
        let caller = Pipe()
        process.standardInput = caller
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let feeder = caller.fileHandleForWriting.fileDescriptor
        Thread.detachNewThread {
            let zeros = [UInt8](repeating: 0, count: 1 << 16)
            while zeros.withUnsafeBytes({ write(feeder, $0.baseAddress, $0.count) }) > 0 {}
            close(feeder)
        }
        #expect(CLIRunner.waitForExit(process, seconds: 30), "simulate kept reading an endless caller")
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(errorText)")
    }

    @Test("no progress bar when standard error is not a terminal, even for a long file")
    func noProgressWhenPiped() throws {
        let directory = try CLIRunner.temporaryDirectory()
        var samples = [Int16](repeating: 0, count: 8000 * 600)  // ten minutes
        let key = DTMFGenerator(onMilliseconds: 100).render([.five])
        for (i, s) in key.enumerated() { samples[8000 * 300 + i] = s }
        try AudioFile.write(
            DecodedAudio(sampleRate: 8000, channels: [samples]),
            to: directory.appendingPathComponent("long.sln").path)
        let result = try CLIRunner.run(["detect", "long.sln"], in: directory)
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty)
        #expect(result.lines.count == 1 && result.lines[0].contains("300.000  5"))
    }

    @Test("a progress bar on a terminal, cleared before the output")
    func progressOnTerminal() throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try CLIRunner.run(
            ["generate", "7", "--lead-ms", "60000", "--on-ms", "80", "-o", "minute.sln"],
            in: directory)
        // script(1) runs the command on a pseudo-terminal; the delay is shortened so the test does not
        // depend on the machine's speed.
        let command = "IVRMEDIA_PROGRESS_DELAY_MS=0 '\(CLIRunner.executable.path)' detect minute.sln"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text.contains("minute.sln [") && text.contains("%"), "no bar: \(text.debugDescription)")
        #expect(text.contains("\u{1B}[K"), "the bar is not cleared")
        #expect(text.contains("60.000  7"))
    }
}
