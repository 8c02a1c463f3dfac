import AudioIO
import Foundation
import MediaTestSupport
import Testing

/// Real-time pacing: the file plugin (exact data) over a plug over a JACK dummy server (real timing).
/// One jackd at a time, started and stopped by each test.
@Suite(
    "DuplexDevice paced by a JACK dummy server", .serialized,
    .enabled(if: JACKServer.isInstalled, "jackd is not installed: apt-get install jackd2 libasound2-plugins"))
struct JACKPacedTests {
    /// What an audio loop saw.
    struct LoopRecord: Sendable {
        var captured: [Int16] = []
        var seconds = 0.0
        var recoveredReads = 0
        var recoveredWrites = 0
    }

    /// Opens the paced device over `channels` lines, echoes `periods` periods from capture to playback on
    /// a dedicated thread (sleeping `stallSeconds` before period `stallAt`), stops the device and returns
    /// what was read, with the device.
    func runEcho(
        _ directory: TemporaryDirectory, input: String, channels: Int, periods: Int, periodFrames: Int = 160,
        stallAt: Int? = nil, stallSeconds: Double = 0
    ) async throws -> (LoopRecord, DuplexDevice) {
        let text = ALSAConfigFile.jackPaced(
            name: "paced", captureFile: input, playbackFile: directory.file("play.raw"), channels: channels)
        let path = try directory.write(text, to: "asound.conf")
        let configuration = DeviceConfiguration(
            name: "paced", configFile: path, channels: channels, periodFrames: periodFrames)
        let device = try DuplexDevice(capture: configuration, playback: configuration)
        let record = try await onAudioThread { () throws -> LoopRecord in
            defer { device.stop() }
            var record = LoopRecord()
            let frames = device.periodFrames
            var buffer = [Int16](repeating: 0, count: frames * channels)
            record.captured.reserveCapacity(periods * frames * channels)
            let start = Date()
            try device.start()
            for period in 0..<periods {
                if period == stallAt { Thread.sleep(forTimeInterval: stallSeconds) }
                let read = try buffer.withUnsafeMutableBufferPointer { try device.read(into: $0, frames: frames) }
                if read.recoveredXrun { record.recoveredReads += 1 }
                record.captured += buffer
                let written = try buffer.withUnsafeBufferPointer { try device.write($0, frames: frames) }
                if written.recoveredXrun { record.recoveredWrites += 1 }
            }
            record.seconds = Date().timeIntervalSince(start)
            return record
        }
        return (record, device)
    }

    @Test("100 periods of duplex I/O take 2 s of real time, with no xrun and exact data")
    func pacedDuplex() async throws {
        let directory = try TemporaryDirectory()
        let server = try await JACKServer.start(logPath: directory.file("jackd.log"))
        defer { server.stop() }
        let signal = testSignal(channels: 1, frames: 110 * 160)
        let input = try directory.write(bytes: deviceBytes(signal, format: .s16le), to: "cap.raw")

        let (record, device) = try await runEcho(directory, input: input, channels: 1, periods: 100)
        #expect(record.seconds >= 1.6 && record.seconds <= 3.0, "100 × 20 ms took \(record.seconds) s")
        #expect(device.xrunCount == 0, "jackd: \(server.logText)")
        #expect(device.isLinked == false)
        #expect(record.captured == Array(signal[0..<(100 * 160)]))
        let output = samples(fromLittleEndian: try readBytes(directory.file("play.raw")))
        #expect(output == [Int16](repeating: 0, count: 2 * 160) + record.captured)
    }

    @Test("a 300 ms stall gives an xrun that is recovered, and the data go on intact")
    func stallRecovers() async throws {
        let directory = try TemporaryDirectory()
        let server = try await JACKServer.start(logPath: directory.file("jackd.log"))
        defer { server.stop() }
        let periods = 40
        let signal = testSignal(channels: 1, frames: (periods + 10) * 160)
        let input = try directory.write(bytes: deviceBytes(signal, format: .s16le), to: "cap.raw")

        let (record, device) = try await runEcho(
            directory, input: input, channels: 1, periods: periods, stallAt: 10, stallSeconds: 0.3)
        // 300 ms is longer than the 80 ms buffer: capture overruns and playback underruns.
        #expect(device.capture.xrunCount >= 1 && device.playback.xrunCount >= 1)
        #expect(record.recoveredReads == device.capture.xrunCount)
        #expect(record.recoveredWrites == device.playback.xrunCount)
        #expect(record.seconds < 2.0, "40 × 20 ms and a 300 ms stall took \(record.seconds) s")
        // The file plugin reads its infile at each read, so capture goes on where it was.
        #expect(record.captured == Array(signal[0..<(periods * 160)]))

        // Playback: every period written, in order, with periods of silence where it was primed
        // (at the start and after each underrun it recovered).
        let output = samples(fromLittleEndian: try readBytes(directory.file("play.raw")))
        #expect(output.count % 160 == 0)
        let outputPeriods = stride(from: 0, to: output.count, by: 160).map { Array(output[$0..<($0 + 160)]) }
        let silent = outputPeriods.filter { $0.allSatisfy { $0 == 0 } }.count
        #expect(outputPeriods.filter { !$0.allSatisfy { $0 == 0 } }.flatMap { $0 } == record.captured)
        #expect(silent == 2 + 2 * device.playback.xrunCount)
    }

    @Test("8 lines are paced and exact; a period of 150 frames is rounded to JACK's 160")
    func eightChannels() async throws {
        let directory = try TemporaryDirectory()
        let server = try await JACKServer.start(logPath: directory.file("jackd.log"))
        defer { server.stop() }
        let channels = 8
        let signal = testSignal(channels: channels, frames: 60 * 160)
        let input = try directory.write(bytes: deviceBytes(signal, format: .s16le), to: "cap.raw")

        let (record, device) = try await runEcho(
            directory, input: input, channels: channels, periods: 50, periodFrames: 150)
        #expect(device.periodFrames == 160)
        #expect(device.capture.periodFrames == 160 && device.playback.periodFrames == 160)
        #expect(record.seconds >= 0.8 && record.seconds <= 1.5, "50 × 20 ms took \(record.seconds) s")
        #expect(device.xrunCount == 0, "jackd: \(server.logText)")
        #expect(record.captured == Array(signal[0..<(50 * 160 * channels)]))
        let output = samples(fromLittleEndian: try readBytes(directory.file("play.raw")))
        #expect(output == [Int16](repeating: 0, count: 2 * 160 * channels) + record.captured)
    }
}
