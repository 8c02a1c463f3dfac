import DSPCore
import Foundation
import IVRCalendar
import IVRConfiguration
import IVRRouting
import PromptMixer

/// One call played through the real parts on a virtual clock (`ivrmedia simulate`): the DTMF receiver
/// hears the caller's audio frame by frame, the router decides (`CallSession`), the mixer plays the
/// prompts, and every event is written as a JSON line. The clock is the sample count, so the same
/// inputs give the same output, byte for byte, and an hour of audio runs in seconds.
///
/// Each 20 ms frame: queued prompts start; the line's path (``LineMedia``, as on a live line) takes the
/// caller's frame into the receiver and renders what the caller hears, a key stopping the prompts that
/// allow barge-in at the sample it is reported at (with the mixer's 4 ms fade); then the frame's events
/// are handled in time order at their own sample (a prompt's end, a key's report, a timer's deadline).
///
/// The receiver hears the caller with what the line played over the same time as its reference (the
/// previous frame's output: a line plays a frame while the next is captured), so that the echo of a
/// prompt is never a key. `Options.echo` adds such an echo to the caller's audio, as an analogue line
/// without an echo canceller would.
///
/// A bridged transfer is answered by the simulated far end with `transferResult` after a ring: `ok`
/// after 2 s, `busy` after 1 s, `noanswer` after the transfer's `ring_timeout_s`, `failed` at once.
public struct CallSimulation {
    public struct Options: Sendable {
        public var line: String?
        public var did: String?
        public var caller: String?
        public var start: Date
        public var transferResult: TransferResult = .ok
        public var callID = "sim-1"
        /// The line's echo added to the caller's audio, if any.
        public var echo: Echo?
        /// Whether the receiver takes what the line plays as its reference (on, as on a live line).
        public var echoReference = true

        public init(line: String? = nil, did: String? = nil, caller: String? = nil, start: Date) {
            self.line = line
            self.did = did
            self.caller = caller
            self.start = start
        }
    }

    /// What the line sends back of what it plays: band-limited to 300-3400 Hz, `lossDB` down, and
    /// `delayMilliseconds` late after it is played (a frame after it is rendered).
    public struct Echo: Sendable, Hashable {
        public var delayMilliseconds: Double
        public var lossDB: Double

        public init(delayMilliseconds: Double, lossDB: Double) {
            self.delayMilliseconds = delayMilliseconds
            self.lossDB = lossDB
        }
    }

    public static let frameLength = 160

    let options: Options
    var session: CallSession
    /// The line's receiver, barge-in and mixer, as on a live line.
    var media: LineMedia

    /// Sets up a call; nothing runs until `run`.
    public init(
        configuration: MenuConfiguration, library: PromptLibrary, options: Options, emit: @escaping (String) -> Void
    ) {
        self.options = options
        var counter: TicketCounter?
        let ticket = CallSession.ticket(
            configuration, counter: &counter, at: options.start, line: options.line ?? options.did ?? "")
        session = CallSession(
            configuration: configuration, library: library, callID: options.callID, ticket: ticket,
            line: options.line ?? options.did, startSample: 0, startDate: options.start,
            automaticTransferResult: options.transferResult, emit: emit)
        media = LineMedia(mixer: MixerBox(LineMixer(library: library, voiceCapacity: 4)))
    }

    /// Plays the call with `caller` (8 kHz; silence after its end) until the call ends, or at most
    /// `maximumSeconds` of call time, or `stop` (asked before each frame) says to: then the call hangs
    /// up with cause `shutdown` and ends as the live engine ends it. Returns what the caller heard.
    public mutating func run(
        caller: UnsafeBufferPointer<Int16>, maximumSeconds: Int = 3600, stop: () -> Bool = { false }
    ) -> [Int16] {
        var heard: [Int16] = []
        let limit = Int64(maximumSeconds * CallSession.sampleRate)
        var callerFrame = [Int16](repeating: 0, count: Self.frameLength)
        var out = [Int16](repeating: 0, count: Self.frameLength)
        /// What the line plays while the current frame is captured: the previous frame's output.
        var playing = [Int16](repeating: 0, count: Self.frameLength)
        // The echo: what the line played, filtered and attenuated, comes back `echoDelay` samples after
        // it was rendered; a ring holds the echo of the last `echoDelay + frameLength` samples heard.
        var echoFilter = TelephoneBand.Filter()
        let echoGain = options.echo.map { Level.pow10(dB: -$0.lossDB) } ?? 0
        let echoDelay =
            Self.frameLength
            + Int(((options.echo?.delayMilliseconds ?? 0) * Double(CallSession.sampleRate) / 1000).rounded())
        var echoRing = [Double](repeating: 0, count: options.echo == nil ? 0 : echoDelay + Self.frameLength)
        var position: Int64 = 0
        session.start(Router.CallInfo(line: options.line, did: options.did, caller: options.caller))
        while !session.ended, position < limit {
            if stop() {
                session.hangup(at: position, cause: "shutdown")
                break
            }
            session.startNextPrompt(at: position)
            applyCommands()
            var events: [(sample: Int64, order: Int, event: LineEvent)] = []
            let start = Int(position)
            for i in 0..<Self.frameLength {
                let voice = start + i < caller.count ? Double(caller[start + i]) : 0
                let back = start + i - echoDelay
                callerFrame[i] = Saturate.int16(voice + (back >= 0 && !echoRing.isEmpty ? echoRing[back % echoRing.count] : 0))
            }
            let useReference = options.echoReference
            callerFrame.withUnsafeBufferPointer { frame in
                playing.withUnsafeBufferPointer { played in
                    out.withUnsafeMutableBufferPointer { output in
                        media.process(
                            input: frame, reference: useReference ? played : nil, output: output, at: position
                        ) { event in events.append((event.sample, events.count, event)) }
                    }
                }
            }
            heard += out
            playing = out
            if !echoRing.isEmpty {
                for i in 0..<Self.frameLength { echoRing[(start + i) % echoRing.count] = echoGain * echoFilter.step(Double(out[i])) }
            }
            events.sort { ($0.sample, $0.order) < ($1.sample, $1.order) }
            for item in events where !session.ended {
                switch item.event {
                case .key(let digit, let sample): session.key(digit, at: sample)
                case .voiceEnded(let token, let finished, let sample):
                    session.voiceEnded(token: token, finished: finished, at: sample)
                }
                applyCommands()
            }
            position += Int64(Self.frameLength)
            session.fireDue(before: position)
            applyCommands()
        }
        if !session.ended { session.write("hangup", [LogField("cause", "simulation_limit")], position) }
        return heard
    }

    mutating func applyCommands() {
        for command in session.takeCommands() { media.apply(command) }
    }
}
