import AudioIO
import Foundation
import MediaPipeline
import PromptMixer

/// The live loop of the scenario: an `AudioLoop` over a 30-channel `FakeDuplexDevice` (160-frame
/// periods, the capture looping), one `LineMixer` (4 voices) per line as `LiveEngine` makes them, and the
/// control side's part reduced to what the audio side needs: the prompt commands of ``PromptSchedule``
/// and dropping the events.
///
/// ``prepareNextPeriod()`` is the control side (not measured); ``runPeriod()`` is the audio side, the
/// whole per-frame path of every line (`AudioLoop.runPeriod(at:)`). The fake keeps everything written,
/// in a buffer reserved for `capacityPeriods` periods (so writing does not allocate); ``isFull`` says
/// when to make a new loop. Confined to one thread.
public final class E1Loop: @unchecked Sendable {
    public let device: FakeDuplexDevice
    public let loop: AudioLoop<FakeDuplexDevice>
    /// Periods run so far.
    public private(set) var period = 0
    public let capacityPeriods: Int
    private var schedule: PromptSchedule

    public init(_ scenario: E1Scenario, capacityPeriods: Int) {
        self.capacityPeriods = capacityPeriods
        device = FakeDuplexDevice(
            channels: E1Scenario.lineCount, periodFrames: E1Scenario.periodFrames, sampleRate: E1Scenario.sampleRate,
            capture: scenario.capture, loopsCapture: true,
            writeCapacityFrames: capacityPeriods * E1Scenario.periodFrames, name: "e1")
        let mixers = (0..<E1Scenario.lineCount).map { _ in
            MixerBox(LineMixer(library: scenario.library, voiceCapacity: 4))
        }
        loop = AudioLoop(device: device, mixers: mixers, durationSeconds: nil, pacing: .device)
        schedule = PromptSchedule(scenario)
        // As `AudioLoop.run` does first: two periods of silence primed into the playback.
        do { try device.start() } catch { fatalError("E1Loop: \(error)") }
    }

    /// Whether the playback buffer is used up: the next period would allocate.
    public var isFull: Bool { period >= capacityPeriods }

    /// The control side before the next period: drops the events the last one posted and sends the
    /// prompt commands due (`AudioLoop.send`, the command ring). Not real-time; not measured.
    @inline(__always)
    public func prepareNextPeriod() {
        loop.discardEvents()
        let loop = self.loop
        schedule.commands(beforePeriod: period) { command, line in loop.send(command, line: line) }
    }

    /// The audio side: one period of every line (read, commands, receivers, mixers, write).
    @inline(__always)
    public func runPeriod() throws(ALSAError) {
        try loop.runPeriod(at: Int64(period) * Int64(E1Scenario.periodFrames))
        period += 1
    }
}

/// Keeps the fake device's playback record from costing page faults that a real device does not.
///
/// `FakeDuplexDevice` keeps everything written, in an array reserved up front (so that writing does
/// not allocate); glibc maps such a block fresh, and every period's first write to it (9,600 bytes) then
/// takes 2-3 page faults, about 4-6 µs on this machine, a cost a real device, which writes to a ring,
/// does not have. ``prepare(bytes:)`` has glibc serve blocks up to 32 MB from its heap and never give
/// that memory back, and writes `bytes` of it once, so that the fakes made later reuse resident memory.
/// Process-wide; call it once, before making the loops.
public enum ResidentMemory {
    /// The largest block glibc can be asked to serve from its heap (`M_MMAP_THRESHOLD`'s maximum).
    public static let largestBlock = 32 << 20

    public static func prepare(bytes: Int) {
        // glibc's mallopt, which the Glibc module does not export (malloc.h); its parameters' values.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mTrimThreshold: Int32 = -1, mMmapThreshold: Int32 = -3
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        guard mallopt(mMmapThreshold, Int32(largestBlock)) == 1, mallopt(mTrimThreshold, Int32.max) == 1 else {
            return
        }
        let block = largestBlock - (1 << 20)
        let blocks = (0..<((bytes + block - 1) / block)).compactMap { _ in malloc(block) }
        for pointer in blocks { memset(pointer, 1, block) }
        for pointer in blocks { free(pointer) }
    }
}
