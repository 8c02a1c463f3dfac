import AudioIO
import DSPCore
import Foundation
import MediaCodecs
import MediaTestSupport
import Testing

/// `ivrmedia run` in real time: ALSA's file plugin over a plug over a JACK dummy server (8 kHz, 20 ms
/// periods), so the data is exact and the timing is real.
@Suite(
    "ivrmedia run paced by a JACK dummy server", .serialized,
    .enabled(if: JACKServer.isInstalled, "jackd is not installed: apt-get install jackd2 libasound2-plugins"))
struct RunPacedTests {
    static let period = 160

    /// A caller: silence, then key 9 at `keyMs`; writes capture.raw and the ALSA configuration.
    static func setUp(keyMs: Int, in directory: URL) throws -> (config: String, playback: String) {
        let tone = DTMFGenerator(levelDBm0: -10, onMilliseconds: 80, offMilliseconds: 100).render([.nine])
        let samples = [Int16](repeating: 0, count: keyMs * 8) + tone + [Int16](repeating: 0, count: 8000 * 4)
        var bytes = Data()
        for sample in samples { withUnsafeBytes(of: sample.littleEndian) { bytes.append(contentsOf: $0) } }
        let capture = directory.appendingPathComponent("capture.raw").path
        let playback = directory.appendingPathComponent("playback.raw").path
        try bytes.write(to: URL(fileURLWithPath: capture))
        let config = directory.appendingPathComponent("alsa.conf").path
        try ALSAConfigFile.jackPaced(name: "paced", captureFile: capture, playbackFile: playback, channels: 1)
            .write(toFile: config, atomically: true, encoding: .utf8)
        return (config, playback)
    }

    static func events(_ result: CLIRunner.Result) throws -> [[String: Any]] {
        try result.lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// From the key's tone onset in the capture to its prompt stopped in the playback: at most the
    /// receiver's report latency plus two periods (the playback the device holds), plus the 4 ms fade.
    @Test func bargeInLatency() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let server = try await JACKServer.start(logPath: directory.appendingPathComponent("jackd.log").path)
        defer { server.stop() }
        let keyMs = 1000
        let (config, playbackPath) = try Self.setUp(keyMs: keyMs, in: directory)
        let started = Date()
        let result = try CLIRunner.run(
            [
                "run", "--menu", MenuCommandTests.hotline, "--alsa-config", config, "--device", "paced",
                "--line-ids", "fxo0", "--answer-all", "--duration", "2",
            ], in: directory, input: Data())
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.standardError)\n\(server.logText)")
        #expect(elapsed > 1.8 && elapsed < 6, "2 s of audio took \(elapsed) s: not paced")
        let events = try Self.events(result)
        let key = try #require(events.first { $0["event"] as? String == "dtmf" }?["t_ms"] as? Int)
        let reportLatency = key - keyMs
        #expect(reportLatency > 20 && reportLatency < 45, "report latency \(reportLatency) ms")

        // The playback is the greeting, sample for sample, until the barge-in: find where the greeting
        // starts in the file (after the device's priming silence) and where it stops matching.
        let raw = try Data(contentsOf: URL(fileURLWithPath: playbackPath))
        let played = raw.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let greeting = try AudioFile.read(
            path: MenuCommandTests.repository.appendingPathComponent("Prompts/ru/op_greeting.opus").path,
            sampleRate: 8000
        ).channels[0]
        let probeStart = 2400  // 0.3 s in: speech, not silence
        let probe = Array(greeting[probeStart..<(probeStart + 400)])
        let found = (0..<4000).first { offset in
            offset + probeStart + 400 <= played.count
                && Array(played[(offset + probeStart)..<(offset + probeStart + 400)]) == probe
        }
        let start = try #require(found, "the greeting is not in the playback")
        #expect(start % Self.period == 0, "the greeting starts \(start) samples in: not on a period")
        var stop = start
        while stop < played.count, stop - start < greeting.count, played[stop] == greeting[stop - start] { stop += 1 }
        let latencyMs = Double(stop - keyMs * 8) / 8
        // `t_ms` is truncated (the report may lie up to 1 ms after it), and the first samples of the
        // fade can round to the prompt's own values: 1 ms for each.
        let bound = Double(reportLatency + 2) + 2 * Double(Self.period) / 8
        #expect(latencyMs <= bound, "barge-in latency \(latencyMs) ms > \(bound) ms (report \(reportLatency) ms)")
        #expect(latencyMs >= Double(reportLatency), "the prompt stopped before the key was reported?")
    }
}
