import AllocationGuard
import BenchSupport
import Benchmark
import Foundation
import MediaCodecs
import MediaTestSupport
import PromptMixer

/// One line's playback mixer whose state goes on across benchmark iterations, as on a line.
/// Confined to the benchmark thread.
final class Line: @unchecked Sendable {
    var mixer: LineMixer
    let prompt: PromptHandle
    let frame: UnsafeMutableBufferPointer<Int16>
    var framesSincePromptStart = 0
    var ends = 0

    init(library: PromptLibrary, prompt: PromptHandle, music: PromptHandle) {
        mixer = LineMixer(library: library, voiceCapacity: 4)
        self.prompt = prompt
        frame = .allocate(capacity: BenchAudio.frameLength)
        guard mixer.start(music, gainDecibels: -18, loop: true, tag: .music) != nil,
            mixer.start(prompt, tag: .prompt) != nil
        else { fatalError("Mixer benchmark set-up: cannot start the voices") }
    }

    /// Renders the next 20 ms frame. The prompt starts again when it ends, and is barged in (stopped,
    /// with its fade-out) every 100 frames, so the fade path is measured too.
    @inline(__always)
    func renderFrame() {
        framesSincePromptStart += 1
        if framesSincePromptStart == 100 { mixer.stopAll(tag: .prompt) }
        let ended = mixer.render(into: frame)
        for end in ended where end.tag == .prompt {
            ends &+= 1
            framesSincePromptStart = 0
            _ = mixer.start(prompt, tag: .prompt)
        }
    }
}

/// The mixer of one line per 20 ms frame (160 samples): a prompt at 0 dB over looping music at
/// -18 dB, two voices summed with saturation.
///
/// The prompt is 10 s of the Asterisk English prompts (a 1 kHz tone without the sound package), the
/// music 10 s of music on hold (a chord without it); both are written to a temporary prompt root and
/// loaded through `PromptLibrary`, as a configuration would load them. Each iteration renders 1,000
/// consecutive frames (`scalingFactor: .kilo`); the figures are per frame. The library and the mixer are
/// built before measuring, so the malloc count must be 0 (see Thresholds/).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .perFrame

    let seconds = 10.0
    let count = Int(seconds) * BenchAudio.sampleRate
    let tone: [Int16] = (0..<count).map { index in
        let phase = 2 * Double.pi * 1000 * Double(index) / 8000
        return Int16(8000 * sin(phase))
    }
    let speech: [Int16] = BenchAudio.speech(seconds: seconds) ?? tone
    let music: [Int16] = {
        let files = Corpus.wavFiles(below: Corpus.musicDirectory)
        if let file = files.first, let samples = try? Corpus.read(file), samples.count >= count {
            return Array(samples.prefix(count))
        }
        return (0..<count).map { index in
            let t = Double(index) / 8000
            var chord = 0.0
            for frequency in [262.0, 330, 392] { chord += sin(2 * Double.pi * frequency * t) }
            return Int16(3000 * chord)
        }
    }()

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("mixer-bench-\(getpid())").path
    let library: PromptLibrary
    do {
        try FileManager.default.createDirectory(atPath: root + "/en", withIntermediateDirectories: true)
        try AudioFile.write(DecodedAudio(sampleRate: 8000, channels: [speech]), to: root + "/en/prompt.wav")
        try AudioFile.write(DecodedAudio(sampleRate: 8000, channels: [music]), to: root + "/music.wav")
        library = try PromptLibrary.load(
            root: root,
            requests: [PromptRequest(id: "prompt", language: "en"), PromptRequest(id: "music", language: nil)])
        try? FileManager.default.removeItem(atPath: root)
    } catch {
        fatalError("Mixer benchmark set-up: \(error)")
    }
    guard let prompt = library.lookup("prompt", language: "en"),
        let musicHandle = library.lookup("music", language: nil)
    else { fatalError("Mixer benchmark set-up: prompts not found in \(root)") }

    let line = Line(library: library, prompt: prompt, music: musicHandle)
    Benchmark("prompt-over-music-20ms") { benchmark in
        benchmark.forbidAllocations("LineMixer, 2 voices") {
            for _ in benchmark.scaledIterations {
                line.renderFrame()
            }
        }
        blackHole(line.ends)
        blackHole(line.frame[0])
    }
}
