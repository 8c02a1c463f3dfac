import AllocationGuard
import BenchSupport
import Benchmark
import DSPCore

/// One receiver channel whose stream goes on across benchmark iterations, as on a line.
/// Confined to the benchmark thread.
final class Channel: @unchecked Sendable {
    var detector = DTMFDetector()
    let audio: UnsafeMutableBufferPointer<Int16>
    let frameCount: Int
    var frameIndex = 0
    var keys = 0

    init(_ samples: [Int16]) {
        frameCount = samples.count / BenchAudio.frameLength
        audio = .allocate(capacity: frameCount * BenchAudio.frameLength)
        _ = audio.initialize(from: samples.prefix(frameCount * BenchAudio.frameLength))
    }

    /// Feeds the next 20 ms frame. Counts events into a local, so the handler captures nothing that
    /// lives on the heap.
    @inline(__always)
    func processFrame() {
        let frame = BenchAudio.frameLength
        let samples = UnsafeBufferPointer(rebasing: audio[(frameIndex * frame)..<((frameIndex + 1) * frame)])
        var events = 0
        detector.process(samples) { _ in events += 1 }
        keys &+= events
        frameIndex += 1
        if frameIndex == frameCount { frameIndex = 0 }
    }
}

/// The DTMF receiver per 20 ms frame (160 samples) on realistic audio.
///
/// Each benchmark iteration feeds 1,000 consecutive frames (20 s of audio, `scalingFactor: .kilo`)
/// to one receiver whose stream continues across iterations; the figures shown are per frame.
/// The receiver is built before measuring (its buffers are allocated in `init`); after that the
/// malloc count must be 0 (see Thresholds/ and README.md).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .perFrame

    var streams: [(String, [Int16])] = [
        // 16 digits x 10 at -10 dBm0, 50/50 ms: the receiver validates, reports and tracks keys.
        ("basic-battery-looped-20ms", BenchAudio.loop(BenchAudio.basicSequence(), seconds: 60)),
        // The cheapest path: the gate stays shut.
        ("silence-20ms", BenchAudio.silence(seconds: 20)),
        // White noise at -20 dBm0: the gate opens now and then.
        ("white-noise-20ms", BenchAudio.whiteNoise(seconds: 60, levelDBm0: -20)),
    ]
    // Speech (the Asterisk prompts), when the sound package is installed: validation under talk-off.
    if let speech = BenchAudio.speech(seconds: 60) {
        streams.append(("speech-20ms", speech))
    }

    for (name, samples) in streams {
        let channel = Channel(samples)
        Benchmark(name) { benchmark in
            benchmark.forbidAllocations("DTMF receiver, \(name)") {
                for _ in benchmark.scaledIterations {
                    channel.processFrame()
                }
            }
            blackHole(channel.keys)
        }
    }
}
