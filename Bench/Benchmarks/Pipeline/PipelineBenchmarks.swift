import AllocationGuard
import AudioIO
import Benchmark
import E1Scenario
import MediaPipeline

/// The loop the benchmark drives, made anew (outside the measured region) when the fake device's
/// playback buffer is used up. Confined to the benchmark thread.
final class Harness: @unchecked Sendable {
    let scenario: E1Scenario
    var e1: E1Loop
    var loops = 1

    /// 3,000 periods (60 s) per loop: 28.8 MB of playback kept by the fake.
    static let capacityPeriods = 3000

    init(_ scenario: E1Scenario) {
        self.scenario = scenario
        // The old loop's playback record and the new one's, resident beforehand (see `ResidentMemory`).
        ResidentMemory.prepare(bytes: 2 * ResidentMemory.largestBlock)
        e1 = E1Loop(scenario, capacityPeriods: Self.capacityPeriods)
    }

    /// The control side's part before a period (and a new loop when the old one is full). Not measured.
    @inline(__always)
    func prepare() {
        if e1.isFull {
            e1 = E1Loop(scenario, capacityPeriods: Self.capacityPeriods)
            loops += 1
        }
        e1.prepareNextPeriod()
    }

    /// One period of the 30 lines: `AudioLoop.runPeriod(at:)`.
    @inline(__always)
    func runPeriod() {
        do throws(ALSAError) {
            try e1.runPeriod()
        } catch {
            fatalError("e1-30-lines-20ms: the fake device failed: \(error)")
        }
    }
}

/// The whole per-frame path of an E1's 30 lines, one `AudioLoop.runPeriod(at:)` per iteration: read the
/// 30-channel capture of a `FakeDuplexDevice` (160 frames), apply the control side's commands, run
/// each line's DTMF receiver and prompt mixer, write the playback. Lines 0-9 press keys now and then,
/// 10-19 speak (the Asterisk corpus; noise without it), 20-24 are noise, 25-29 silence; every line's
/// mixer plays a prompt of Example A, restarted when it ends or a key barged in (see `E1Scenario`).
///
/// Each iteration is one period (`scalingFactor: .one`): between periods, outside the measured region
/// (`startMeasurement`/`stopMeasurement`), the events are dropped and the prompt commands due are sent;
/// the commands are applied inside the measured `runPeriod`, as on a live line. The malloc count per
/// period must be 0 (see Thresholds/).
let benchmarks: @Sendable () -> Void = {
    var configuration = Benchmark.Configuration.perFrame
    configuration.scalingFactor = .one
    configuration.maxIterations = 10_000
    Benchmark.defaultConfiguration = configuration

    let scenario: E1Scenario
    do {
        scenario = try E1Scenario()
    } catch {
        fatalError("E1 benchmark set-up: \(error)")
    }
    let harness = Harness(scenario)

    Benchmark("e1-30-lines-20ms") { benchmark in
        harness.prepare()
        benchmark.startMeasurement()
        benchmark.forbidAllocations("AudioLoop.runPeriod, 30 lines") {
            harness.runPeriod()
        }
        benchmark.stopMeasurement()
    }
}
