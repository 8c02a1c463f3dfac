import AudioIO
import DSPCore
import Foundation
import PromptMixer
import Synchronization

/// What keeps time in the live loop.
public enum AudioPacing: String, Sendable, CaseIterable {
    /// The device (a sound card, JACK): the loop runs as fast as it reads.
    case device
    /// The monotonic clock, 20 ms a period (for devices that do not keep time, such as ALSA's file
    /// plugin): real time without a card.
    case clock
    /// No time at all: after each period the loop waits for the control thread to catch up, so a
    /// recording runs as fast as it can be processed with every decision on time (tests, offline
    /// runs; never on a real line).
    case lockstep
}

/// Control thread -> audio thread.
enum AudioCommand: Sendable {
    case mixer(line: Int, MixerCommand)
    case replaceMixer(line: Int, MixerBox)
}

/// Audio thread -> control thread. Sample numbers count from the start of the run, per line the same.
enum AudioEvent: Sendable {
    case key(line: Int, digit: DTMFDigit, sample: Int64)
    case voiceEnded(line: Int, token: Int, finished: Bool, sample: Int64)
    case xrun(sample: Int64)
    /// The loop stopped: at the requested duration or shutdown (nil), or because the device failed.
    case stopped(sample: Int64, error: ALSAError?)
    case released(MixerBox)
}

/// The audio thread's loop over one duplex device: per period, read every line's captured samples, apply
/// the control thread's commands, run each line's path (``LineMedia``: receiver, barge-in, mixer), and
/// write the playback. Periods of any length (the device may round the 20 ms asked for): the line path
/// takes blocks of any size.
///
/// Everything is allocated in `init`; `run` allocates nothing, takes no lock, logs nothing and blocks
/// only in the device's read and write (and, with `pace`, on the clock that stands in for a device that
/// does not pace itself, such as ALSA's file plugin).
public final class AudioLoop<Device: DuplexAudio>: @unchecked Sendable {
    // Confinement: `run` and everything it touches belong to the audio thread; the control thread uses
    // only the rings and the atomics.
    let device: Device
    let lines: Int
    let period: Int
    let commands: SPSCRing<AudioCommand>
    let events: SPSCRing<AudioEvent>
    /// Samples per line processed so far: the clock the control thread schedules against.
    let clock = Atomic<Int64>(0)
    let stopRequested = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)
    /// Events that did not fit in the ring (never expected; counted, not silent).
    let droppedEvents = Atomic<Int>(0)
    /// With `.clock`: periods whose processing ended after the deadline of the next one, so that the
    /// playback fell behind the clock (anything that held up the audio thread shows here).
    let latePeriods = Atomic<Int>(0)
    let limit: Int64?
    let pacing: AudioPacing
    /// With `.lockstep`: the audio clock up to which the control thread has handled everything.
    let acknowledged = Atomic<Int64>(0)

    /// Each line's receiver, mixer and barge-in (`lines` of them, made in `init`).
    private let media: UnsafeMutablePointer<LineMedia>
    /// The period's capture and playback, interleaved as the device has them (`period * lines`).
    private let capture: UnsafeMutableBufferPointer<Int16>
    private let playback: UnsafeMutableBufferPointer<Int16>
    /// The period's capture line after line (`period` samples each).
    private let lineCapture: UnsafeMutableBufferPointer<Int16>
    /// What each line played, line after line, in two halves that take turns: one gets this period's
    /// playback while the other holds the previous period's, the echo reference (the device plays one
    /// period while it captures the next).
    private let linePlayback: UnsafeMutableBufferPointer<Int16>
    /// The half of `linePlayback` this period renders into (0 or 1).
    private var playbackHalf = 0

    /// A loop over `device` with one mixer per line; allocates everything it will use.
    public init(device: Device, mixers: [MixerBox], durationSeconds: Double?, pacing: AudioPacing) {
        self.device = device
        lines = device.channels
        period = device.periodFrames
        precondition(mixers.count == lines, "one mixer per line")
        commands = SPSCRing(capacity: 1024 + 64 * lines)
        events = SPSCRing(capacity: 4096 + 64 * lines)
        // One line path each, made one by one (each its own receiver).
        media = .allocate(capacity: lines)
        for line in 0..<lines { (media + line).initialize(to: LineMedia(mixer: mixers[line])) }
        capture = Self.zeroed(period * lines)
        playback = Self.zeroed(period * lines)
        lineCapture = Self.zeroed(period * lines)
        linePlayback = Self.zeroed(2 * period * lines)
        limit = durationSeconds.map { Int64(($0 * Double(G711.sampleRate)).rounded()) }
        self.pacing = pacing
    }

    deinit {
        media.deinitialize(count: lines)
        media.deallocate()
        for buffer in [capture, playback, lineCapture, linePlayback] { buffer.deallocate() }
    }

    private static func zeroed(_ count: Int) -> UnsafeMutableBufferPointer<Int16> {
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: count)
        buffer.initialize(repeating: 0)
        return buffer
    }

    private func post(_ event: AudioEvent) {
        if !events.push(event) { droppedEvents.add(1, ordering: .relaxed) }
    }

    /// The loop; returns when the duration is reached, a stop is requested, or the device fails.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking except on the device (and the pacing
    /// clock).
    func run() {
        var position: Int64 = 0
        var failure: ALSAError?
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let periodNanoseconds = period * 1_000_000_000 / G711.sampleRate
        do throws(ALSAError) {
            try device.start()
            while !stopRequested.load(ordering: .relaxed) {
                if let limit, position >= limit { break }
                if pacing == .clock {
                    deadline.tv_nsec += periodNanoseconds
                    while deadline.tv_nsec >= 1_000_000_000 {
                        deadline.tv_nsec -= 1_000_000_000
                        deadline.tv_sec += 1
                    }
                    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
                }
                try runPeriod(at: position)
                if pacing == .clock, Self.isPast(deadline, by: periodNanoseconds) {
                    latePeriods.add(1, ordering: .relaxed)
                }
                position += Int64(period)
                clock.store(position, ordering: .releasing)
                if pacing == .lockstep {
                    while acknowledged.load(ordering: .acquiring) < position, !stopRequested.load(ordering: .relaxed) {
                        sched_yield()
                    }
                }
            }
        } catch {
            failure = error
        }
        device.stop()
        post(.stopped(sample: position, error: failure))
        finished.store(true, ordering: .releasing)
    }

    /// Whether the monotonic clock is more than `nanoseconds` past `deadline`.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (clock_gettime is a vDSO call).
    private static func isPast(_ deadline: timespec, by nanoseconds: Int) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let late = (now.tv_sec - deadline.tv_sec) * 1_000_000_000 + (now.tv_nsec - deadline.tv_nsec)
        return late > nanoseconds
    }

    /// One period, the whole per-frame path of every line: read the capture, apply the control
    /// thread's commands, run each line's receiver and mixer, write the playback.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking except on the device.
    public func runPeriod(at position: Int64) throws(ALSAError) {
        let read = try device.read(into: capture, frames: period)
        if read.recoveredXrun { post(.xrun(sample: position)) }
        applyCommands()
        processLines(at: position)
        let written = try device.write(UnsafeBufferPointer(playback), frames: period)
        if written.recoveredXrun { post(.xrun(sample: position)) }
    }

    /// Sends a mixer command to `line` as the control thread does (for benchmarks driving `runPeriod`).
    public func send(_ command: MixerCommand, line: Int) { _ = commands.push(.mixer(line: line, command)) }

    /// Drops the events the loop posted (for benchmarks that run it without a control thread).
    public func discardEvents() { while events.pop() != nil {} }

    private func applyCommands() {
        while let command = commands.pop() {
            switch command {
            case .mixer(let line, let command):
                media[line].apply(command)
            case .replaceMixer(let line, let box):
                post(.released(media[line].replaceMixer(with: box)))
            }
        }
    }

    /// Every line's block of the period: takes the capture apart into lines, runs each line's path over
    /// its capture with its previous period's playback as the echo reference, and puts what the lines
    /// play together into the playback.
    private func processLines(at position: Int64) {
        let lines = self.lines, period = self.period
        let capture = self.capture, playback = self.playback, lineCapture = self.lineCapture
        // Frame by frame, so that the interleaved buffers are read and written in order.
        for frame in 0..<period {
            let row = frame &* lines
            for line in 0..<lines { lineCapture[line &* period &+ frame] = capture[row &+ line] }
        }
        let played = linePlayback.baseAddress! + (1 &- playbackHalf) &* period &* lines
        let playing = linePlayback.baseAddress! + playbackHalf &* period &* lines
        for line in 0..<lines {
            let offset = line &* period
            media[line].process(
                input: UnsafeBufferPointer(start: lineCapture.baseAddress! + offset, count: period),
                reference: UnsafeBufferPointer(start: played + offset, count: period),
                output: UnsafeMutableBufferPointer(start: playing + offset, count: period), at: position
            ) { event in
                switch event {
                case .key(let digit, let sample):
                    post(.key(line: line, digit: digit, sample: sample))
                case .voiceEnded(let token, let finished, let sample):
                    post(.voiceEnded(line: line, token: token, finished: finished, sample: sample))
                }
            }
        }
        for frame in 0..<period {
            let row = frame &* lines
            for line in 0..<lines { playback[row &+ line] = playing[line &* period &+ frame] }
        }
        playbackHalf = 1 &- playbackHalf
    }
}
