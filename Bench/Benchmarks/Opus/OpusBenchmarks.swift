import AllocationGuard
import BenchSupport
import Benchmark
import MediaCodecs

/// Opus decode per 20 ms packet, as a line gets it: packets made once, before measuring, by libopus at
/// 8 kHz (VOIP mode, 24 kb/s, in-band FEC on), from 10 s of the basic battery sequence and 10 s of
/// speech; decoded at 8, 16 and 48 kHz, and concealed (PLC) as for a lost packet.
///
/// Each iteration handles 1,000 consecutive packets (`scalingFactor: .kilo`); the figures are per
/// packet. The decoder's buffers are allocated at its init, so the malloc count must be 0.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .perFrame

    let linear = BenchAudio.loop(BenchAudio.basicSequence(), seconds: 10) + (BenchAudio.speech(seconds: 10) ?? [])
    let packets: [[UInt8]]
    do {
        let encoder = try OpusFrameEncoder(
            sampleRate: 8000, channelCount: 1,
            configuration: .init(bitrate: 24000, inbandFEC: true, packetLossPercent: 10))
        packets = try encoder.encode(signal: linear, packetFrameCount: BenchAudio.frameLength)
    } catch {
        fatalError("Opus benchmark set-up: \(error)")
    }

    /// A decoder made before measuring: the benchmark closure runs once per iteration.
    func decoder(_ rate: Int) -> OpusFrameDecoder {
        do { return try OpusFrameDecoder(sampleRate: rate, channelCount: 1) } catch { fatalError("\(error)") }
    }

    for rate in [8000, 16000, 48000] {
        let decoder = decoder(rate)
        Benchmark("decode-\(rate / 1000)k-20ms") { benchmark in
            var index = 0
            benchmark.forbidAllocations("Opus decode at \(rate) Hz") {
                for _ in benchmark.scaledIterations {
                    let count = packets[index].withUnsafeBytes { (try? decoder.decode($0)) ?? -1 }
                    blackHole(count)
                    index += 1
                    if index == packets.count { index = 0 }
                }
            }
        }
    }

    let concealer = decoder(8000)
    _ = packets[0].withUnsafeBytes { try? concealer.decode($0) }
    Benchmark("conceal-8k-20ms") { benchmark in
        benchmark.forbidAllocations("Opus PLC") {
            for _ in benchmark.scaledIterations {
                blackHole((try? concealer.conceal(frameCount: BenchAudio.frameLength)) ?? -1)
            }
        }
    }
}
