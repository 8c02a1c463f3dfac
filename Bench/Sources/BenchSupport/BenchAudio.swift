import DSPCore
import Foundation
import MediaTestSupport

/// The Debian Asterisk sound packages as the tests use them (MediaTestSupport.Corpus, read through
/// MediaCodecs' AudioFile): asterisk-core-sounds-en-wav, asterisk-core-sounds-ru-wav, asterisk-moh-opsound-wav.
public enum AsteriskSounds {
    public static let sounds = Corpus.soundsDirectory
    public static let allison = Corpus.englishDirectory
    public static let musicOnHold = Corpus.musicDirectory

    /// The English prompts (every file below the Allison folder), as the speech rows of the tests use them.
    public static func allisonUtterances() -> [[Double]] {
        (try? Corpus.englishUtterances()) ?? []
    }

    /// Every prompt and music-on-hold file: the talk-off corpus of the tests.
    public static func talkOffFiles() -> [String] { Corpus.talkOffFiles() }

    /// A file's samples, or nil when it cannot be read.
    public static func read(_ path: String) -> [Int16]? { try? Corpus.read(path) }
}

/// Realistic 8 kHz streams for the benchmarks and the comparison. Deterministic.
public enum BenchAudio {
    public static let sampleRate = 8000
    /// One 20 ms frame at 8 kHz.
    public static let frameLength = 160

    /// The basic battery row (16 digits x 10, -10 dBm0, 50/50 ms) as one stream.
    public static func basicSequence(law: G711.Law? = nil) -> [Int16] {
        Q24Battery.cases(.basic, law: law).flatMap(\.samples)
    }

    /// `samples` repeated until `seconds` long, cut to whole frames.
    public static func loop(_ samples: [Int16], seconds: Double) -> [Int16] {
        precondition(!samples.isEmpty)
        var count = Int(seconds * Double(sampleRate))
        count -= count % frameLength
        var result: [Int16] = []
        result.reserveCapacity(count)
        while result.count < count { result += samples.prefix(count - result.count) }
        return result
    }

    public static func silence(seconds: Double) -> [Int16] {
        [Int16](repeating: 0, count: Int(seconds * Double(sampleRate)))
    }

    /// White Gaussian noise (0-4 kHz) at `levelDBm0`.
    public static func whiteNoise(seconds: Double, levelDBm0: Double = -20, seed: UInt64 = 1) -> [Int16] {
        var random = SeededRandom(seed: seed)
        let sigma = Level.meanSquare(dBm0: levelDBm0).squareRoot()
        return (0..<Int(seconds * Double(sampleRate))).map { _ in Saturate.int16(sigma * random.gaussian()) }
    }

    /// Concatenated utterances of the Allison voice, up to `seconds` (nil when the package is missing).
    public static func speech(seconds: Double) -> [Int16]? {
        let limit = Int(seconds * Double(sampleRate))
        var result: [Int16] = []
        for path in Corpus.wavFiles(below: AsteriskSounds.allison) where result.count < limit {
            guard let samples = AsteriskSounds.read(path) else { continue }
            result += samples.prefix(limit - result.count)
        }
        return result.isEmpty ? nil : result
    }

    /// The throughput corpus: 30 s of the synthesised battery (the cases of every row, taken in turn)
    /// then 30 s of speech, cut to whole 20 ms frames. Without the speech package, 60 s of battery.
    public static func comparisonMix(seconds: Double = 60) -> [Int16] {
        let speechPart = speech(seconds: seconds / 2) ?? []
        let batteryLimit = Int(seconds * Double(sampleRate)) - speechPart.count
        let rows = Q24Battery.Row.allCases.map { Q24Battery.cases($0) }
        var battery: [Int16] = []
        var index = 0
        outer: while true {
            var any = false
            for cases in rows where index < cases.count {
                any = true
                battery += cases[index].samples
                if battery.count >= batteryLimit { break outer }
            }
            if !any { break }
            index += 1
        }
        var result = Array(battery.prefix(batteryLimit)) + speechPart
        result.removeLast(result.count % frameLength)
        return result
    }
}

/// Thread CPU time and the machine, for honest reports on a shared, noisy machine.
public enum Machine {
    /// CPU seconds consumed by the calling thread.
    public static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Monotonic wall-clock seconds.
    public static func wallSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// The CPU model from /proc/cpuinfo.
    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    public static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// "2026-11-21 18:30 UTC".
    public static var date: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: Date())
    }
}
