import Foundation
import MediaCodecs

/// A scratch prompt root per test, removed at the end, with files written by `MediaCodecs.AudioFile`.
struct PromptRoot: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-root-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `channels` (one array each) at `sampleRate` to `<root>/<relativePath>`, in the format of
    /// its extension, and returns the full path.
    @discardableResult
    func write(_ relativePath: String, channels: [[Int16]], sampleRate: Int = 8000) throws -> String {
        let full = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AudioFile.write(DecodedAudio(sampleRate: sampleRate, channels: channels), to: full)
        return full
    }

    /// Writes mono `samples` (8 kHz unless told).
    @discardableResult
    func write(_ relativePath: String, samples: [Int16], sampleRate: Int = 8000) throws -> String {
        try write(relativePath, channels: [samples], sampleRate: sampleRate)
    }

    /// Writes raw bytes (for corrupt files).
    @discardableResult
    func writeBytes(_ relativePath: String, _ bytes: [UInt8]) throws -> String {
        let full = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Test signals and measurements.
enum Signal {
    /// A sine of `amplitude` at `frequency` Hz, `count` samples at `sampleRate`, rounded.
    static func sine(frequency: Double, amplitude: Double, count: Int, sampleRate: Int = 8000) -> [Int16] {
        (0..<count).map { index in
            Int16((amplitude * sin(2 * Double.pi * frequency * Double(index) / Double(sampleRate))).rounded())
        }
    }

    /// The amplitude of the component at `frequency` (a DFT bin; exact when the window holds whole cycles).
    static func amplitude<C: Collection>(of samples: C, frequency: Double, sampleRate: Int = 8000) -> Double
    where C.Element == Int16 {
        var re = 0.0
        var im = 0.0
        for (index, sample) in samples.enumerated() {
            let phase = 2 * Double.pi * frequency * Double(index) / Double(sampleRate)
            re += Double(sample) * cos(phase)
            im -= Double(sample) * sin(phase)
        }
        return 2 * (re * re + im * im).squareRoot() / Double(samples.count)
    }

    /// 20 log10(a / b).
    static func decibels(_ a: Double, over b: Double) -> Double { 20 * log10(a / b) }

    /// The root-mean-square value.
    static func rms<C: Collection>(_ samples: C) -> Double where C.Element == Int16 {
        guard !samples.isEmpty else { return 0 }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        return (sum / Double(samples.count)).squareRoot()
    }
}
