import DSPCore

/// The playback mixer of one telephone line: up to ``voiceCapacity`` voices at once (a prompt over
/// background music), each with its own gain, summed with saturation into 16-bit frames of any length.
///
/// ```swift
/// var mixer = LineMixer(library: library, voiceCapacity: 4)
/// let music = mixer.start(library.lookup("hold_music", language: nil)!, gainDecibels: -18, loop: true, tag: .music)
/// let greeting = mixer.start(library.lookup("op_greeting", language: "ru")!, tag: .prompt)
/// // audio thread, every 20 ms:
/// let ends = mixer.render(into: frame)      // 160 samples
/// for end in ends { /* prompt_end at frameStart + end.sampleOffset */ }
/// // a key arrives: barge-in
/// mixer.stopAll(tag: .prompt)               // takes effect in the next render
/// ```
///
/// **Stops.** A stop requested before a render takes effect in that very render: the voice fades out
/// linearly over ``fadeOutSampleCount`` samples (4 ms by default, 32 samples at 8 kHz) from the first
/// sample of the frame, so that cutting a prompt mid-word does not click, and is silent from then on.
/// The fade is shorter than a frame, so a barge-in key stops the prompt within the frame that follows
/// it. ``render(into:)`` reports the end with ``VoiceEnd/Reason/stopped`` at the offset where the fade
/// ended.
///
/// **Ends.** ``render(into:)`` returns the voices that ended during the frame (``VoiceEnds``, fixed
/// capacity), each with the sample offset within the frame where it fell silent: a prompt of `n`
/// samples started before a render ends exactly `n` samples later, whatever the frame lengths. The
/// slot is free for a new voice as soon as the end is reported. Looping voices end only when stopped.
///
/// **Real time.** The mixer is a value with fixed-capacity storage built at init; ``start(_:gainDecibels:loop:tag:)``,
/// the stops and ``render(into:)`` neither allocate, lock, log nor block (as long as the mixer is not
/// copied: mutate it in place, as per-channel state is). It plays handles of the one ``PromptLibrary``
/// it was made with, whose samples it keeps alive; handles of another library are refused.
public struct LineMixer: Sendable {
    /// The largest ``voiceCapacity``.
    public static let maximumVoiceCapacity = 8
    /// The default fade-out of a stopped voice, in milliseconds.
    public static let defaultFadeOutMilliseconds = 4
    /// Samples mixed per pass; longer frames are mixed in several passes (the accumulator is on the stack).
    static let chunkLength = 160

    /// The number of voices that can play at once.
    public let voiceCapacity: Int
    /// The length of the fade-out of a stopped voice, in samples at 8 kHz.
    public let fadeOutSampleCount: Int
    /// The ``PromptLibrary/identifier`` of the library whose handles this mixer plays.
    public let libraryIdentifier: UInt64

    private let samples: PromptSamples
    private var voices: [Voice]
    private var generation: UInt32 = 0

    /// A mixer for handles of `library`.
    ///
    /// - Parameters:
    ///   - voiceCapacity: 1 ... ``maximumVoiceCapacity`` voices at once.
    ///   - fadeOutMilliseconds: the fade-out of a stopped voice, 0 (cut at once) ... 20 ms.
    ///
    /// Allocates the voice table; call on a control thread.
    public init(
        library: PromptLibrary, voiceCapacity: Int = 4,
        fadeOutMilliseconds: Int = LineMixer.defaultFadeOutMilliseconds
    ) {
        precondition(
            (1...Self.maximumVoiceCapacity).contains(voiceCapacity),
            "LineMixer: voiceCapacity must be 1...\(Self.maximumVoiceCapacity)")
        precondition((0...20).contains(fadeOutMilliseconds), "LineMixer: fadeOutMilliseconds must be 0...20")
        self.voiceCapacity = voiceCapacity
        fadeOutSampleCount = fadeOutMilliseconds * PromptLibrary.sampleRate / 1000
        libraryIdentifier = library.identifier
        samples = library.samples
        voices = [Voice](repeating: Voice(), count: voiceCapacity)
    }

    // MARK: - Control

    /// Starts playing `prompt` from its first sample in the next render.
    ///
    /// - Parameters:
    ///   - gainDecibels: the voice's gain, -96 (mute) ... +18 dB.
    ///   - loop: play again from the start at the end, until stopped (music).
    ///   - tag: the class ``stopAll(tag:)`` stops by.
    /// - Returns: the voice, or nil when every slot is busy or `prompt` belongs to another library.
    ///
    /// Cost: a scan of the slots. Real-time safe: no allocation, locks, logging or blocking.
    public mutating func start(
        _ prompt: PromptHandle, gainDecibels: Double = 0, loop: Bool = false, tag: VoiceTag = .prompt
    ) -> VoiceID? {
        guard prompt.libraryIdentifier == libraryIdentifier, prompt.sampleOffset >= 0, prompt.sampleCount >= 0,
            prompt.sampleOffset + prompt.sampleCount <= samples.count,
            let slot = voices.firstIndex(where: { !$0.isActive })
        else { return nil }
        generation &+= 1
        voices[slot] = Voice(
            isActive: true, generation: generation, tag: tag, loops: loop, gain: Gain(decibels: gainDecibels),
            start: prompt.sampleOffset, count: prompt.sampleCount)
        return VoiceID(slot: slot, generation: generation)
    }

    /// Stops `voice` with a fade-out that starts at the first sample of the next render.
    ///
    /// - Returns: false when the voice had already ended (or was already stopping).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @discardableResult
    public mutating func stop(_ voice: VoiceID) -> Bool {
        guard isPlaying(voice), !voices[voice.slot].isStopping else { return false }
        voices[voice.slot].beginStop(fadeOutSampleCount: fadeOutSampleCount)
        return true
    }

    /// Stops every voice started with `tag` (barge-in: `.prompt`), as ``stop(_:)`` does.
    ///
    /// - Returns: the number of voices that began to stop.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @discardableResult
    public mutating func stopAll(tag: VoiceTag) -> Int {
        var stopped = 0
        for slot in voices.indices where voices[slot].isActive && !voices[slot].isStopping && voices[slot].tag == tag {
            voices[slot].beginStop(fadeOutSampleCount: fadeOutSampleCount)
            stopped += 1
        }
        return stopped
    }

    /// Stops every voice, as ``stop(_:)`` does.
    ///
    /// - Returns: the number of voices that began to stop.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @discardableResult
    public mutating func stopAll() -> Int {
        var stopped = 0
        for slot in voices.indices where voices[slot].isActive && !voices[slot].isStopping {
            voices[slot].beginStop(fadeOutSampleCount: fadeOutSampleCount)
            stopped += 1
        }
        return stopped
    }

    /// Changes the gain of `voice` from the next render on (a step, not a ramp: small steps do not click,
    /// large ones may). Returns false when the voice has ended.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @discardableResult
    public mutating func setGain(_ voice: VoiceID, decibels: Double) -> Bool {
        guard isPlaying(voice) else { return false }
        voices[voice.slot].gain = Gain(decibels: decibels)
        return true
    }

    /// Whether `voice` has not yet been reported ended (it may be fading out).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    public func isPlaying(_ voice: VoiceID) -> Bool {
        voice.slot >= 0 && voice.slot < voices.count && voices[voice.slot].isActive
            && voices[voice.slot].generation == voice.generation
    }

    /// The number of voices playing (including those fading out).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    public var activeVoiceCount: Int {
        var count = 0
        for voice in voices where voice.isActive { count += 1 }
        return count
    }

    /// Whether any voice started with `tag` is playing.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    public func isPlaying(tag: VoiceTag) -> Bool {
        voices.contains { $0.isActive && $0.tag == tag }
    }

    // MARK: - Rendering

    /// Mixes the next `frame.count` samples of every voice into `frame` (overwriting it; silence when no
    /// voice plays) and returns the voices that ended in it.
    ///
    /// Cost: per sample and playing voice one multiply, two adds and a shift; per sample two compares
    /// for the final saturation. Frames of any length; the mix is done in passes of 160 samples on a
    /// stack accumulator.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    public mutating func render(into frame: UnsafeMutableBufferPointer<Int16>) -> VoiceEnds {
        var ends = VoiceEnds()
        guard let base = samples.buffer.baseAddress else { return ends }
        let fadeLength = fadeOutSampleCount
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.chunkLength) { scratch in
            var chunkStart = 0
            repeat {
                let length = min(Self.chunkLength, frame.count - chunkStart)
                let accumulator = UnsafeMutableBufferPointer(rebasing: scratch[0..<length])
                Mixing.clear(accumulator)
                for slot in voices.indices where voices[slot].isActive {
                    var voice = voices[slot]
                    if let end = voice.render(
                        from: base, into: accumulator, fadeOutSampleCount: fadeLength)
                    {
                        voice.isActive = false
                        ends.insert(
                            VoiceEnd(
                                voice: VoiceID(slot: slot, generation: voice.generation), tag: voice.tag,
                                reason: end.reason, sampleOffset: chunkStart + end.offset))
                    }
                    voices[slot] = voice
                }
                Mixing.saturate(
                    UnsafeBufferPointer(accumulator),
                    into: UnsafeMutableBufferPointer(rebasing: frame[chunkStart..<(chunkStart + length)]))
                chunkStart += length
            } while chunkStart < frame.count
        }
        return ends
    }
}

// MARK: - Voice state

/// The state of one mixer slot: plain values only.
struct Voice {
    var isActive = false
    var generation: UInt32 = 0
    var tag = VoiceTag.prompt
    var loops = false
    var gain = Gain.unity
    /// The prompt's first sample in the library buffer, and its length.
    var start = 0
    var count = 0
    /// The next sample to play, 0 ..< count.
    var position = 0
    var isStopping = false
    /// Samples of fade-out left, while stopping.
    var fadeRemaining = 0

    init() {}

    init(isActive: Bool, generation: UInt32, tag: VoiceTag, loops: Bool, gain: Gain, start: Int, count: Int) {
        self.isActive = isActive
        self.generation = generation
        self.tag = tag
        self.loops = loops
        self.gain = gain
        self.start = start
        self.count = count
    }

    mutating func beginStop(fadeOutSampleCount: Int) {
        isStopping = true
        fadeRemaining = fadeOutSampleCount
    }

    /// Adds this voice's next `accumulator.count` samples; returns the reason and the offset within the
    /// accumulator when the voice ends in it.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func render(
        from base: UnsafeMutablePointer<Int16>, into accumulator: UnsafeMutableBufferPointer<Int32>,
        fadeOutSampleCount fadeLength: Int
    ) -> (reason: VoiceEnd.Reason, offset: Int)? {
        let length = accumulator.count
        var offset = 0
        while true {
            if isStopping && fadeRemaining == 0 { return (.stopped, offset) }
            if position == count {
                guard loops && count > 0 else { return (isStopping ? .stopped : .finished, offset) }
                position = 0
            }
            if offset == length { return nil }
            var run = min(length - offset, count - position)
            if isStopping { run = min(run, fadeRemaining) }
            let source = UnsafeBufferPointer(start: base + start + position, count: run)
            let target = UnsafeMutableBufferPointer(rebasing: accumulator[offset..<(offset + run)])
            if isStopping {
                // Linear fade: sample k of the fade (k = fadeLength - fadeRemaining) gets gain × (F - k) / F.
                let from = Gain(q15: Int32(Int64(gain.q15) * Int64(fadeRemaining) / Int64(fadeLength)))
                let to = Gain(q15: Int32(Int64(gain.q15) * Int64(fadeRemaining - run) / Int64(fadeLength)))
                Mixing.accumulate(source, rampingFrom: from, to: to, into: target)
                fadeRemaining -= run
            } else {
                Mixing.accumulate(source, gain: gain, into: target)
            }
            position += run
            offset += run
        }
    }
}
