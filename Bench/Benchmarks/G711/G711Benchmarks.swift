import AllocationGuard
import BenchSupport
import Benchmark
import DSPCore

/// G.711 per 20 ms frame (160 samples), both laws, both directions.
///
/// Each benchmark iteration codes 1,000 consecutive frames (20 s of audio, `scalingFactor: .kilo`);
/// the figures shown are per frame. The buffers are allocated once, before measuring, so the malloc
/// count measures the codec alone and must be 0 (see Thresholds/ and README.md).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .perFrame

    let frame = BenchAudio.frameLength
    // 10 s of the basic battery sequence and 10 s of speech: companding cost does not depend on the
    // signal much, but the input should look like a line.
    let linear = BenchAudio.loop(BenchAudio.basicSequence(), seconds: 10) + (BenchAudio.speech(seconds: 10) ?? [])
    let frameCount = linear.count / frame
    let input = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frameCount * frame)
    _ = input.initialize(from: linear.prefix(frameCount * frame))
    let codes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: frame)
    let decoded = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frame)

    for law in G711.Law.allCases {
        let name = law == .muLaw ? "muLaw" : "aLaw"
        let encodedFrames = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: frameCount * frame)
        for i in 0..<(frameCount * frame) { encodedFrames[i] = G711.encode(input[i], law: law) }

        Benchmark("\(name)-encode-20ms") { benchmark in
            var index = 0
            benchmark.forbidAllocations("G.711 \(name) encode") {
                for _ in benchmark.scaledIterations {
                    let source = UnsafeBufferPointer(rebasing: input[(index * frame)..<((index + 1) * frame)])
                    G711.encode(source, into: codes, law: law)
                    blackHole(codes[0])
                    index += 1
                    if index == frameCount { index = 0 }
                }
            }
        }

        Benchmark("\(name)-decode-20ms") { benchmark in
            var index = 0
            benchmark.forbidAllocations("G.711 \(name) decode") {
                for _ in benchmark.scaledIterations {
                    let source = UnsafeBufferPointer(rebasing: encodedFrames[(index * frame)..<((index + 1) * frame)])
                    G711.decode(source, into: decoded, law: law)
                    blackHole(decoded[0])
                    index += 1
                    if index == frameCount { index = 0 }
                }
            }
        }
    }
}
