import BenchSupport
import CSpanDSP
import DSPCore

/// Real-time 8 kHz channels per core: audio seconds processed per CPU second of the measuring thread.
struct ThroughputRun {
    var cpuSeconds: Double
    var wallSeconds: Double
    var audioSeconds: Double
    var events: Int
    var channelsPerCore: Double { audioSeconds / cpuSeconds }
}

/// Feeds `audio` in 160-sample frames, `passes` times over, to one receiver whose stream continues
/// from pass to pass (so the keys of the battery are detected, validated and tracked as on a line).
/// Events are counted into a local: the handler does nothing else, for either receiver.
@inline(never)
func runOurs(_ audio: UnsafeBufferPointer<Int16>, passes: Int) -> ThroughputRun {
    var detector = DTMFDetector()
    var events = 0
    let frame = BenchAudio.frameLength
    let frames = audio.count / frame
    let wall0 = Machine.wallSeconds(), cpu0 = Machine.threadCPUSeconds()
    for _ in 0..<passes {
        for f in 0..<frames {
            detector.process(UnsafeBufferPointer(rebasing: audio[(f * frame)..<((f + 1) * frame)])) { _ in
                events += 1
            }
        }
    }
    let cpu1 = Machine.threadCPUSeconds(), wall1 = Machine.wallSeconds()
    return ThroughputRun(
        cpuSeconds: cpu1 - cpu0, wallSeconds: wall1 - wall0,
        audioSeconds: Double(frames * frame * passes) / 8000, events: events)
}

@inline(never)
func runSpanDSP(_ audio: UnsafeBufferPointer<Int16>, passes: Int) -> ThroughputRun {
    let channel = SpanDSPChannel()
    channel.recording = false
    let state = channel.state
    let frame = BenchAudio.frameLength
    let frames = audio.count / frame
    let base = audio.baseAddress!
    let wall0 = Machine.wallSeconds(), cpu0 = Machine.threadCPUSeconds()
    for _ in 0..<passes {
        for f in 0..<frames {
            _ = dtmf_rx(state, base + f * frame, Int32(frame))
        }
    }
    let cpu1 = Machine.threadCPUSeconds(), wall1 = Machine.wallSeconds()
    return ThroughputRun(
        cpuSeconds: cpu1 - cpu0, wallSeconds: wall1 - wall0,
        audioSeconds: Double(frames * frame * passes) / 8000, events: channel.count)
}

struct ThroughputResult {
    var name: String
    var audioSeconds: Double
    var ours: [ThroughputRun] = []
    var spanDSP: [ThroughputRun] = []

    static func medianOf(_ runs: [ThroughputRun]) -> Double {
        let v = runs.map(\.channelsPerCore).sorted()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }
    static func bestOf(_ runs: [ThroughputRun]) -> Double { runs.map(\.channelsPerCore).max() ?? .nan }
}

/// Interleaves `rounds` runs of each receiver on `samples` (alternating which goes first), each run
/// repeated over the audio until it lasts at least `minimumSeconds` of CPU time.
func measureThroughput(_ name: String, _ samples: [Int16], rounds: Int, minimumSeconds: Double) -> ThroughputResult {
    samples.withUnsafeBufferPointer { audio in
        // Calibrate: one pass of each (also warms caches and the lazy globals of both).
        let probeOurs = runOurs(audio, passes: 1), probeSpan = runSpanDSP(audio, passes: 1)
        let passesOurs = max(1, Int((minimumSeconds / max(probeOurs.cpuSeconds, 1e-6)).rounded(.up)))
        let passesSpan = max(1, Int((minimumSeconds / max(probeSpan.cpuSeconds, 1e-6)).rounded(.up)))
        var result = ThroughputResult(name: name, audioSeconds: Double(audio.count) / 8000)
        for round in 0..<rounds {
            if round % 2 == 0 {
                result.ours.append(runOurs(audio, passes: passesOurs))
                result.spanDSP.append(runSpanDSP(audio, passes: passesSpan))
            } else {
                result.spanDSP.append(runSpanDSP(audio, passes: passesSpan))
                result.ours.append(runOurs(audio, passes: passesOurs))
            }
        }
        return result
    }
}
