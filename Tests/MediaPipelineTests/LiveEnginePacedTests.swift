import AudioIO
import DSPCore
import Foundation
import MediaTestSupport
import PromptMixer
import Testing

@testable import MediaPipeline

/// A real ALSA device (file plugin over plug over a JACK dummy server: exact data, real time) whose
/// audio thread stalls once, for `stallMilliseconds`, before its `stallAtRead`-th read.
final class StallingDevice: DuplexAudio, @unchecked Sendable {
    let device: DuplexDevice
    let stallAtRead: Int
    let stallMilliseconds: Int
    var reads = 0

    init(_ device: DuplexDevice, stallAtRead: Int, stallMilliseconds: Int) {
        self.device = device
        self.stallAtRead = stallAtRead
        self.stallMilliseconds = stallMilliseconds
    }

    var channels: Int { device.channels }
    var sampleRate: Int { device.sampleRate }
    var periodFrames: Int { device.periodFrames }
    var xrunCount: Int { device.xrunCount }
    func read(into buffer: UnsafeMutableBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        reads += 1
        if reads == stallAtRead { usleep(useconds_t(stallMilliseconds * 1000)) }
        return try device.read(into: buffer, frames: frames)
    }
    func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(ALSAError) -> IOResult {
        try device.write(buffer, frames: frames)
    }
    func start() throws(ALSAError) { try device.start() }
    func stop() { device.stop() }
}

@Suite(
    "the live engine paced by a JACK dummy server", .serialized,
    .enabled(if: JACKServer.isInstalled, "jackd is not installed: apt-get install jackd2 libasound2-plugins"))
struct LiveEnginePacedTests {
    /// A 300 ms stall of the audio thread overruns capture and underruns playback: both are recovered
    /// and reported as `xrun` events, and the call goes on (a key after the stall is routed).
    @Test func aStallIsRecoveredAndTheCallGoesOn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paced-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await JACKServer.start(logPath: directory.appendingPathComponent("jackd.log").path)
        defer { server.stop() }
        let caller =
            CallSimulationTests.caller(key: .nine, leadMilliseconds: 2000) + [Int16](repeating: 0, count: 16000)
        var bytes = Data()
        for sample in caller { withUnsafeBytes(of: sample.littleEndian) { bytes.append(contentsOf: $0) } }
        let capture = directory.appendingPathComponent("capture.raw").path
        try bytes.write(to: URL(fileURLWithPath: capture))
        let config = directory.appendingPathComponent("alsa.conf").path
        try ALSAConfigFile.jackPaced(
            name: "paced", captureFile: capture, playbackFile: directory.appendingPathComponent("out.raw").path,
            channels: 1
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let pcm = DeviceConfiguration(name: "paced", configFile: config, channels: 1)
        let device = StallingDevice(
            try DuplexDevice(capture: pcm, playback: pcm), stallAtRead: 50, stallMilliseconds: 300)

        let configuration = try CallSimulationTests.menu(root: CallSimulationTests.promptRoot())
        let library = try MenuPrompts.load(configuration)
        var options = LiveEngine<StallingDevice>.Options(lineIDs: ["fxo0"], menuPath: "/tmp/none.yaml")
        options.answerAll = true
        options.durationSeconds = 3
        options.transferResult = .ok
        let lines = Collected()
        let engine = LiveEngine(device: device, configuration: configuration, library: library, options: options) {
            lines.append($0)
        }
        #expect(engine.run(signals: { nil }) == .finished)
        let events = try LiveEngineTests.events(lines)
        #expect(events.contains { $0["event"] as? String == "xrun" }, "no xrun reported: \(server.logText)")
        #expect(device.xrunCount >= 1)
        #expect(events.contains { $0["event"] as? String == "dtmf" && $0["digit"] as? String == "9" })
        #expect(events.contains { $0["event"] as? String == "transfer" && $0["to"] as? String == "queue:x" })
    }
}
