import AudioIO
import DSPCore
import Foundation

/// A directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("AudioIOTests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` in the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let path = file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes `bytes` to `name` and returns its path.
    func write(bytes: [UInt8], to name: String) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The bytes of `path`.
func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A distinct signal per channel: channel c of frame f. Never zero for a whole frame, so that silence
/// inserted by the device stands out, and spanning negative and positive values.
func testSample(channel: Int, frame: Int) -> Int16 {
    let value = Int16(truncatingIfNeeded: frame &* 257 &+ channel &* 4099 &- 32000)
    return value == 0 ? 1 : value
}

/// `frames` interleaved frames of ``testSample(channel:frame:)`` starting at `firstFrame`.
func testSignal(channels: Int, frames: Int, firstFrame: Int = 0) -> [Int16] {
    var samples = [Int16](repeating: 0, count: channels * frames)
    for frame in 0..<frames {
        for channel in 0..<channels {
            samples[frame * channels + channel] = testSample(channel: channel, frame: firstFrame + frame)
        }
    }
    return samples
}

/// `samples` as the device carries them: S16_LE bytes, or the G.711 codes of each sample.
func deviceBytes(_ samples: [Int16], format: SampleFormat) -> [UInt8] {
    guard let law = format.law else {
        return samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }
    return samples.map { G711.encode($0, law: law) }
}

/// S16_LE bytes as samples.
func samples(fromLittleEndian bytes: [UInt8]) -> [Int16] {
    stride(from: 0, to: bytes.count - 1, by: 2).map {
        Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
    }
}

/// A capture file for `format` whose content differs per channel and covers every G.711 code: for
/// S16_LE the bytes of ``testSignal(channels:frames:firstFrame:)``, for G.711 codes `(31f + 53c) mod 256`.
func captureBytes(channels: Int, frames: Int, format: SampleFormat) -> [UInt8] {
    guard format.law != nil else { return deviceBytes(testSignal(channels: channels, frames: frames), format: format) }
    var bytes = [UInt8](repeating: 0, count: channels * frames)
    for frame in 0..<frames {
        for channel in 0..<channels { bytes[frame * channels + channel] = UInt8((frame * 31 + channel * 53) & 0xFF) }
    }
    return bytes
}

/// What reading `bytes` should give: the S16_LE samples, or DSPCore's G.711 decoding of each code.
func expectedSamples(_ bytes: [UInt8], format: SampleFormat) -> [Int16] {
    guard let law = format.law else { return samples(fromLittleEndian: bytes) }
    return bytes.map { G711.decode($0, law: law) }
}

/// The sample a capture gives past the end of its data: 0, or the law's silence code decoded.
func silenceSample(_ format: SampleFormat) -> Int16 {
    format.law.map { G711.decode($0.silenceCode, law: $0) } ?? 0
}

/// Runs `body` on a dedicated thread, as the pipeline runs its audio loop, and returns its result:
/// blocking ALSA calls never occupy a thread of the cooperative pool.
func onAudioThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.name = "AudioIOTests audio loop"
        thread.start()
    }
}
