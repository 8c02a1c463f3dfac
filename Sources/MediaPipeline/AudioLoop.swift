import AudioIO
import DSPCore
import Foundation
import PromptMixer
import Synchronization

/// A line's mixer in a box, so that the control thread can hand a new one to the audio thread (after a
/// reload with new prompts) and get the old one back to free it: nothing is freed on the audio thread.
public final class MixerBox: @unchecked Sendable {
    // Confinement: owned by the audio thread while installed; by the control thread before and after.
    var mixer: LineMixer
    public init(_ mixer: LineMixer) { self.mixer = mixer }
}

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

extension VoiceTag {
    /// A prompt that a key does not stop (`barge_in: false`); `.prompt` is one that it does.
    static let fixedPrompt = VoiceTag(rawValue: 2)
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

/// The audio thread's loop over one duplex device: per period, read every line's captured samples, run
/// each line's DTMF receiver, apply the control thread's commands, render each line's mixer, and write
/// the playback. Periods of any length (the device may round the 20 ms asked for): the receiver and the
/// mixer take blocks of any size.
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

    private var detectors: [DTMFDetector]
    private var mixers: [MixerBox]
    private var tokens: [Int]
    private var capture: [Int16]
    private var playback: [Int16]
    private var lineIn: [Int16]
    private var lineOut: [Int16]
    /// What the line is playing while its capture comes in: its part of the previous period's playback.
    private var lineReference: [Int16]

    /// A loop over `device` with one mixer per line; allocates everything it will use.
    public init(device: Device, mixers: [MixerBox], durationSeconds: Double?, pacing: AudioPacing) {
        self.device = device
        lines = device.channels
        period = device.periodFrames
        precondition(mixers.count == lines, "one mixer per line")
        commands = SPSCRing(capacity: 1024 + 64 * lines)
        events = SPSCRing(capacity: 4096 + 64 * lines)
        // One receiver each: copies of one value would share its buffers until the first write, and that
        // copy would happen on the audio thread.
        detectors = (0..<lines).map { _ in DTMFDetector() }
        self.mixers = mixers
        tokens = [Int](repeating: 0, count: lines * LineMixer.maximumVoiceCapacity)
        capture = [Int16](repeating: 0, count: period * lines)
        playback = [Int16](repeating: 0, count: period * lines)
        lineIn = [Int16](repeating: 0, count: period)
        lineOut = [Int16](repeating: 0, count: period)
        lineReference = [Int16](repeating: 0, count: period)
        limit = durationSeconds.map { Int64(($0 * 8000).rounded()) }
        self.pacing = pacing
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
        let periodNanoseconds = period * 1_000_000_000 / 8000
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
        let read = try capture.withUnsafeMutableBufferPointer { buffer throws(ALSAError) in
            try device.read(into: buffer, frames: period)
        }
        if read.recoveredXrun { post(.xrun(sample: position)) }
        applyCommands()
        processLines(at: position)
        let written = try playback.withUnsafeBufferPointer { buffer throws(ALSAError) in
            try device.write(buffer, frames: period)
        }
        if written.recoveredXrun { post(.xrun(sample: position)) }
    }

    /// Sends a mixer command to `line` as the control thread does (for benchmarks driving `runPeriod`).
    public func send(_ command: MixerCommand, line: Int) { _ = commands.push(.mixer(line: line, command)) }

    /// Drops the events the loop posted (for benchmarks that run it without a control thread).
    public func discardEvents() { while events.pop() != nil {} }

    private func applyCommands() {
        while let command = commands.pop() {
            switch command {
            case .mixer(let line, .start(let handle, let token, let bargeIn)):
                if let voice = mixers[line].mixer.start(handle, tag: bargeIn ? .prompt : .fixedPrompt) {
                    tokens[line * LineMixer.maximumVoiceCapacity + voice.slot] = token
                }
            case .mixer(let line, .stopPrompts):
                _ = mixers[line].mixer.stopAll(tag: .prompt)
                _ = mixers[line].mixer.stopAll(tag: .fixedPrompt)
            case .replaceMixer(let line, let box):
                let old = mixers[line]
                mixers[line] = box
                post(.released(old))
            }
        }
    }

    /// Renders `line`'s mixer into `lineOut[from..<to]` and reports the voices that ended there.
    private func render(line: Int, from: Int, to: Int, at position: Int64) {
        let ends = lineOut.withUnsafeMutableBufferPointer { out in
            mixers[line].mixer.render(into: UnsafeMutableBufferPointer(rebasing: out[from..<to]))
        }
        for end in ends {
            post(
                .voiceEnded(
                    line: line, token: tokens[line * LineMixer.maximumVoiceCapacity + end.voice.slot],
                    finished: end.reason == .finished, sample: position + Int64(from + end.sampleOffset)))
        }
    }

    private func processLines(at position: Int64) {
        let lines = self.lines, period = self.period
        for line in 0..<lines {
            capture.withUnsafeBufferPointer { captured in
                lineIn.withUnsafeMutableBufferPointer { input in
                    for frame in 0..<period { input[frame] = captured[frame * lines + line] }
                }
            }
            // The previous period's playback is what the line plays while this capture comes in (the
            // device plays one period while it captures the next): the receiver's echo reference.
            playback.withUnsafeBufferPointer { played in
                lineReference.withUnsafeMutableBufferPointer { reference in
                    for frame in 0..<period { reference[frame] = played[frame * lines + line] }
                }
            }
            // A key stops the prompts that allow barge-in right at the sample it is reported at: the
            // mixer renders up to there, stops them (with its fade), and renders the rest.
            var stopAt: Int?
            lineIn.withUnsafeBufferPointer { input in
                lineReference.withUnsafeBufferPointer { reference in
                    detectors[line].process(input, reference: reference) { event in
                        if event.kind == .keyDown {
                            post(.key(line: line, digit: event.digit, sample: event.reportedSample))
                            if stopAt == nil { stopAt = Int(event.reportedSample - position) }
                        }
                    }
                }
            }
            let split = min(max(stopAt ?? period, 0), period)
            if split > 0 { render(line: line, from: 0, to: split, at: position) }
            if stopAt != nil { _ = mixers[line].mixer.stopAll(tag: .prompt) }
            if split < period { render(line: line, from: split, to: period, at: position) }
            lineOut.withUnsafeBufferPointer { output in
                playback.withUnsafeMutableBufferPointer { out in
                    for frame in 0..<period { out[frame * lines + line] = output[frame] }
                }
            }
        }
    }
}
