import BenchSupport
import DSPCore
import Foundation
import IVRConfiguration
import MediaPipeline
import MediaTestSupport
import PromptMixer

/// What a line's caller sends, for the 30 lines of an E1.
public enum CallerKind: String, Sendable, CaseIterable {
    /// Faint line noise (-55 dBm0) with a key now and then (every 3-5 s, -7 to -13 dBm0, 70-100 ms).
    case keys
    /// The Asterisk English prompts (Allison), each line from another point; -20 dBm0 noise without them.
    case speech
    /// White noise at -40 dBm0 (a noisy line, a room).
    case noise
    /// Digital silence (a caller who listens).
    case silence
}

/// The 30-line scenario of `PipelineBenchmarks` and `e1-bench`: the callers' audio of every line
/// (looping every 20 s), the prompts of Example A (examples/operator-hotline.yaml, Russian), and when
/// the control side starts prompts. Deterministic; built before measuring.
///
/// Lines 0-9 press keys, 10-19 speak, 20-24 are noisy, 25-29 are silent. Every line's mixer plays a
/// prompt all the time: a new one starts in the period after the previous one ended (``PromptSchedule``),
/// and on the key lines 120 ms after each key's onset (the audio side has stopped the prompt, which
/// allows barge-in, at the key's report; the control side then stops prompts, finding nothing, and
/// starts the next one, as the router does).
public struct E1Scenario: Sendable {
    public static let lineCount = 30
    public static let periodFrames = 160
    public static let sampleRate = 8000
    /// The capture starts over after this many periods (20 s).
    public static let loopPeriods = 1000
    /// Periods from a key's onset to the control side's reaction (120 ms: after the report, which comes
    /// 30-60 ms after the onset).
    public static let reactionPeriods = 6

    /// Each line's caller.
    public let kinds: [CallerKind]
    /// Each line's captured audio, `loopPeriods * periodFrames` samples.
    public let lineAudio: [[Int16]]
    /// The same, interleaved (the device's capture).
    public let capture: [Int16]
    /// Each line's key onsets, in periods of the loop, ascending.
    public let keyPeriods: [[Int]]
    /// Key presses per loop over all lines.
    public var keyCount: Int { keyPeriods.reduce(0) { $0 + $1.count } }
    /// Whether the speech lines carry the Asterisk corpus (false: noise at -20 dBm0 instead).
    public let speechFromCorpus: Bool
    /// The prompts of Example A.
    public let library: PromptLibrary
    /// The prompts the lines play, in turn.
    public let prompts: [PromptHandle]

    /// The repository root (four levels above this file).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Builds the audio and loads the prompts of examples/operator-hotline.yaml.
    public init() throws {
        let menuPath = Self.root.appendingPathComponent("examples/operator-hotline.yaml").path
        let (configuration, _) = try MenuConfiguration.load(path: menuPath)
        let library = try MenuPrompts.load(configuration)
        let ids = [
            "op_greeting", "op_menu_short", "invalid_entry", "op_menu_short", "connecting", "forwarding_to_hotline",
        ]
        let prompts = ids.compactMap { library.lookup($0, language: "ru") }
        guard prompts.count == ids.count, prompts.allSatisfy({ $0.sampleCount > 0 }) else {
            throw E1ScenarioError.promptsMissing(library.root)
        }
        self.library = library
        self.prompts = prompts

        let count = Self.loopPeriods * Self.periodFrames
        let loopSeconds = Double(count) / Double(Self.sampleRate)
        var kinds: [CallerKind] = []
        for line in 0..<Self.lineCount {
            switch line {
            case 0..<10: kinds.append(.keys)
            case 10..<20: kinds.append(.speech)
            case 20..<25: kinds.append(.noise)
            default: kinds.append(.silence)
            }
        }
        self.kinds = kinds

        // 40 s of speech; speech line i takes 20 s from i * 2 s on.
        let speech = BenchAudio.speech(seconds: 2 * loopSeconds)
        speechFromCorpus = speech.map { $0.count >= count } ?? false
        let keypad = Array("1234567890*#")
        var audio: [[Int16]] = []
        var keyPeriods: [[Int]] = []
        for line in 0..<Self.lineCount {
            var onsets: [Int] = []
            let samples: [Int16]
            switch kinds[line] {
            case .keys:
                let background = BenchAudio.whiteNoise(seconds: loopSeconds, levelDBm0: -55, seed: UInt64(100 + line))
                var signal = background.map(Double.init)
                let generator = DTMFGenerator(
                    levelDBm0: -7 - Double(line % 4) * 2, twistDB: Double(line % 3) - 1,
                    onMilliseconds: 70 + Double(line % 4) * 10, offMilliseconds: 0)
                var seconds = 0.8 + 0.45 * Double(line)
                var press = line
                while seconds + 0.3 < loopSeconds {
                    let period = Int(seconds * 50)
                    onsets.append(period)
                    let digit = DTMFDigit(keypad[press % keypad.count])!
                    generator.addTone(digit, to: &signal, at: period * Self.periodFrames)
                    press += 1
                    seconds += 3.0 + 0.5 * Double((line + press) % 5)
                }
                samples = signal.map(Saturate.int16)
            case .speech:
                if let speech, speechFromCorpus {
                    let offset = (line - 10) * 2 * Self.sampleRate % speech.count
                    samples = Array((speech[offset...] + speech[..<offset]).prefix(count))
                } else {
                    samples = BenchAudio.whiteNoise(seconds: loopSeconds, levelDBm0: -20, seed: UInt64(100 + line))
                }
            case .noise:
                samples = BenchAudio.whiteNoise(seconds: loopSeconds, levelDBm0: -40, seed: UInt64(100 + line))
            case .silence:
                samples = BenchAudio.silence(seconds: loopSeconds)
            }
            precondition(samples.count == count, "E1Scenario: line \(line) has \(samples.count) samples")
            audio.append(samples)
            keyPeriods.append(onsets)
        }
        lineAudio = audio
        self.keyPeriods = keyPeriods

        var interleaved = [Int16](repeating: 0, count: count * Self.lineCount)
        for line in 0..<Self.lineCount {
            for frame in 0..<count { interleaved[frame * Self.lineCount + line] = audio[line][frame] }
        }
        capture = interleaved
    }

    /// The lines in a phrase: "10 keys, 10 speech, 5 noise, 5 silence".
    public var lineSummary: String {
        CallerKind.allCases.map { kind in "\(kinds.filter { $0 == kind }.count) \(kind.rawValue)" }
            .joined(separator: ", ")
    }
}

public enum E1ScenarioError: Error, CustomStringConvertible {
    case promptsMissing(String)

    public var description: String {
        switch self {
        case .promptsMissing(let root): "the Russian prompts of Example A are missing under \(root)"
        }
    }
}

/// The control side's prompt commands for the scenario, period by period: the next prompt in the period
/// after a line's prompt ended, and `.stopPrompts` plus the next prompt ``E1Scenario/reactionPeriods``
/// after each key. Allocates nothing after `init`.
public struct PromptSchedule {
    private let prompts: [PromptHandle]
    private let lineCount: Int
    /// `reactions[line * loopPeriods + period]`: the control side reacts to a key before that period.
    private let reactions: [Bool]
    /// The period before which each line's current prompt has ended.
    private var endsAt: [Int]
    private var next: [Int]
    private var token = 0

    public init(_ scenario: E1Scenario) {
        prompts = scenario.prompts
        lineCount = E1Scenario.lineCount
        var reactions = [Bool](repeating: false, count: lineCount * E1Scenario.loopPeriods)
        for line in 0..<lineCount {
            for onset in scenario.keyPeriods[line] {
                let period = (onset + E1Scenario.reactionPeriods) % E1Scenario.loopPeriods
                reactions[line * E1Scenario.loopPeriods + period] = true
            }
        }
        self.reactions = reactions
        endsAt = [Int](repeating: 0, count: lineCount)
        next = (0..<lineCount).map { $0 % scenario.prompts.count }
    }

    /// Calls `send` with the commands due before absolute period `period` (0, 1, 2, ... in order).
    @inline(__always)
    public mutating func commands(beforePeriod period: Int, _ send: (MixerCommand, Int) -> Void) {
        let inLoop = period % E1Scenario.loopPeriods
        for line in 0..<lineCount {
            let reacts = reactions[line * E1Scenario.loopPeriods + inLoop]
            guard reacts || period >= endsAt[line] else { continue }
            if reacts { send(.stopPrompts, line) }
            let prompt = prompts[next[line]]
            next[line] = next[line] + 1 == prompts.count ? 0 : next[line] + 1
            token &+= 1
            send(.start(prompt, token: token, bargeIn: true), line)
            endsAt[line] = period + (prompt.sampleCount + E1Scenario.periodFrames - 1) / E1Scenario.periodFrames
        }
    }
}
