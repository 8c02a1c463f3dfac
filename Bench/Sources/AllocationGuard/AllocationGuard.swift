import Benchmark
import MallocInterposerSwift

extension Benchmark {
    /// Runs `body` (the measured frames of one iteration) and stops the benchmark process when it
    /// called malloc, so that a plain `swift package benchmark` exits non-zero.
    ///
    /// The static thresholds in Thresholds/ say the same to `swift package benchmark thresholds check`
    /// (exit 2), but package-benchmark 1.38.1 evaluates thresholds only there, and a plain run exits 0
    /// even after `Benchmark.error(_:)`; only a crashed benchmark process fails it. This reads the malloc
    /// interposer's counters, which the benchmark plugin preloads (LD_PRELOAD); without the interposer
    /// both reads are 0 and the guard passes silently (the "Malloc (total)" row is then missing too).
    ///
    /// It sees only `body`: the rest of the benchmark closure is covered by the thresholds check alone, so
    /// keep it allocation-free too. `what` is an autoclosure for that reason: an interpolated label built
    /// on every iteration is a malloc (the thresholds check caught exactly that, 1-2 per 1,000 frames).
    @inline(__always)
    public func forbidAllocations(_ what: @autoclosure () -> String, _ body: () -> Void) {
        let before = MallocInterposerSwift.getStatistics().mallocCount
        body()
        let allocated = MallocInterposerSwift.getStatistics().mallocCount - before
        if allocated > 0 {
            let reason =
                "\(what()): \(allocated) malloc calls in \(scaledIterations.count) frames; the audio path must not allocate"
            error(reason)
            fatalError(reason)
        }
    }
}

extension Benchmark.Configuration {
    /// The configuration of every per-frame benchmark: 1,000 frames per iteration (figures shown per
    /// frame), wall clock, throughput and the malloc count, whose threshold is 0.
    public static var perFrame: Benchmark.Configuration {
        .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            timeUnits: .nanoseconds,
            warmupIterations: 3,
            scalingFactor: .kilo,
            maxDuration: .seconds(2),
            maxIterations: 1_000,
            thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0, .p100: 0])]
        )
    }
}
