import DSPCore
import PromptMixer

extension VoiceTag {
    /// A prompt that a key does not stop (`barge_in: false`); `.prompt` is one that it does.
    static let fixedPrompt = VoiceTag(rawValue: 2)
}

/// A line's mixer in a box, so that the control thread can hand a new one to the audio thread (after a
/// reload with new prompts) and get the old one back to free it: nothing is freed on the audio thread.
public final class MixerBox: @unchecked Sendable {
    // Confinement: owned by the audio thread while installed; by the control thread before and after.
    // One thread at a time, so `mixer` goes without the run-time exclusivity check on every access.
    @exclusivity(unchecked) var mixer: LineMixer
    public init(_ mixer: LineMixer) { self.mixer = mixer }
}

/// What one line's media reports to its control side. Sample numbers count from the start of the
/// line's audio.
enum LineEvent: Sendable, Hashable {
    /// The receiver reported `digit` (a key-down) at `sample`.
    case key(DTMFDigit, sample: Int64)
    /// The voice started with `token` fell silent at `sample`: at its end (`finished`) or stopped.
    case voiceEnded(token: Int, finished: Bool, sample: Int64)

    /// The sample the event happened at.
    var sample: Int64 {
        switch self {
        case .key(_, let sample), .voiceEnded(_, _, let sample): sample
        }
    }
}

/// The media of one telephone line, block by block: the DTMF receiver hears what the line received,
/// with what the line played as its echo reference; a key stops the prompts that allow barge-in at the
/// very sample it is reported at; the mixer renders what the line plays. The control side's commands
/// (``apply(_:)``) start and stop prompts; the keys and the voices' ends go back to it as ``LineEvent``s.
///
/// The live audio loop runs one per channel of its device, the simulator one for its call: both hear,
/// split and render alike, so that a simulated call takes the decisions a live one takes.
///
/// Made on a control thread (the receiver and the voice table are allocated here); from then on it is
/// mutated in place on one thread (the audio thread, live), and nothing it does allocates. Each line
/// needs its own: copies of one value would share the receiver's buffers until the first write, and that
/// copy would happen on the audio thread.
struct LineMedia {
    /// The line's receiver.
    private var detector = DTMFDetector()
    /// The line's mixer, boxed so that the live loop can swap it for one of a reloaded prompt library and
    /// hand the old one back to the control thread to free.
    private var mixer: MixerBox
    /// The token of each mixer slot's voice, reported with its end.
    private var tokens = [Int](repeating: 0, count: LineMixer.maximumVoiceCapacity)

    init(mixer: MixerBox) {
        self.mixer = mixer
    }

    /// Installs `box` as the line's mixer and returns the one it replaces (to be freed off the audio
    /// thread). Voices of the old mixer end silently.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (the old box is returned, not freed).
    mutating func replaceMixer(with box: MixerBox) -> MixerBox {
        let old = mixer
        mixer = box
        return old
    }

    /// Applies one command of the control side: starts a prompt (one that allows barge-in is stopped
    /// by a key) or stops every prompt.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func apply(_ command: MixerCommand) {
        switch command {
        case .start(let handle, let token, let bargeIn):
            if let voice = mixer.mixer.start(handle, tag: bargeIn ? .prompt : .fixedPrompt) {
                tokens[voice.slot] = token
            }
        case .stopPrompts:
            mixer.mixer.stopAll(tag: .prompt)
            mixer.mixer.stopAll(tag: .fixedPrompt)
        }
    }

    /// One block of the line, starting at sample `position`: runs the receiver over `input` with
    /// `reference` (what the line played while `input` came in; nil: no echo reference), reports each
    /// key-down, renders `output.count` samples of the mixer into `output` and reports each voice that
    /// ended in it. A key stops the prompts that allow barge-in right at the sample it is reported at:
    /// the mixer renders up to there, stops them (with its fade), and renders the rest. Events are
    /// reported in the order they are found: the block's keys, then the ends of the first part's voices,
    /// then those of the rest.
    ///
    /// Feed every block of a line with a reference or every block without, so that the reference stays
    /// aligned with the received audio.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (`report` is the caller's).
    mutating func process(
        input: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?,
        output: UnsafeMutableBufferPointer<Int16>, at position: Int64, report: (LineEvent) -> Void
    ) {
        var stopAt: Int?
        hear(input, reference: reference) { event in
            guard event.kind == .keyDown else { return }
            report(.key(event.digit, sample: event.reportedSample))
            if stopAt == nil { stopAt = Int(event.reportedSample - position) }
        }
        let length = output.count
        let split = min(max(stopAt ?? length, 0), length)
        if split > 0 { render(into: output, from: 0, to: split, at: position, report: report) }
        if stopAt != nil { mixer.mixer.stopAll(tag: .prompt) }
        if split < length { render(into: output, from: split, to: length, at: position, report: report) }
    }

    /// Runs the receiver over `input`, with `reference` as its echo reference when there is one.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (`handler` is the caller's).
    private mutating func hear(
        _ input: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?,
        _ handler: (DTMFDetector.Event) -> Void
    ) {
        if let reference {
            detector.process(input, reference: reference, handler)
        } else {
            detector.process(input, handler)
        }
    }

    /// Renders the mixer into `output[from..<to]` and reports the voices that ended there.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (`report` is the caller's).
    private mutating func render(
        into output: UnsafeMutableBufferPointer<Int16>, from: Int, to: Int, at position: Int64,
        report: (LineEvent) -> Void
    ) {
        let ends = mixer.mixer.render(into: UnsafeMutableBufferPointer(rebasing: output[from..<to]))
        for end in ends {
            report(
                .voiceEnded(
                    token: tokens[end.voice.slot], finished: end.reason == .finished,
                    sample: position + Int64(from + end.sampleOffset)))
        }
    }
}
