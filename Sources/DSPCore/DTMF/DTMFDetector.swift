/// A streaming DTMF receiver for 8 kHz audio (ITU-T Q.24).
///
/// ## How it works
/// Eight Goertzel filters (`GoertzelBank`) run over sub-blocks of 20 samples (2.5 ms) and give one
/// complex DFT value per DTMF frequency and sub-block, phase-referenced to absolute time, and keep the
/// samples in a history ring. That is all the per-sample work; the sub-block's energy and lag-1 product
/// are read back from the ring once per sub-block.
///
/// After every sub-block a cheap gate looks at the last 22.5 ms (9 sub-blocks summed coherently): the
/// strongest row and column bins must carry a share of the window's energy. Only when the gate opens
/// does the receiver validate the pair:
/// - each tone's frequency offset, from the phase advance between the first and last 10 ms of the
///   window (Q.24: detect within ±1.5 %, reject beyond ±3.5 %);
/// - each tone's amplitude, from the window sum de-rotated by that offset, and so the level and twist;
/// - purity: the two tones' share of the window energy; the residual's lag-1 correlation, which tells
///   white noise (near 0) from speech (near 1);
/// - stability: the two halves of the window agree in amplitude; the other bins of each group stay
///   well below the chosen one.
///
/// A clean pair passes tier A. A pair over speech or music is checked again over 35 ms (tier L):
/// tighter frequency and stability, a purity bar that depends on the residual's character, and a veto
/// when the two "tones" are harmonics of one voice (the residual is periodic at a lag where both tones
/// are in phase); it must hold for 36 ms. A pair that passes is still not a key when both its tones
/// were already sounding before its onset, when either has a strong harmonic or a partial an octave
/// below (music), or when it is only the echo of what the line played. A change-point search over the
/// recent samples, with the fitted two-tone model, finds the tone's onset to within a few samples; the
/// key-down is reported as soon as the tone has lasted `minimumToneMilliseconds` (more than 20 ms, so
/// that 20 ms tones are rejected). The key-up comes after `releaseMilliseconds` without the pair, so
/// that a short dropout inside one press does not split it into two.
///
/// ## Where the code is
/// One file per stage, in the order a sample meets them:
/// - `DTMFDetector+Descriptor.swift`: what all lines share (shapes, the bank, `Descriptor`, `Limits`);
///   this file holds the per-line state and the public entry points;
/// - `DTMFDetector+FrontEnd.swift`: the per-sample work (`GoertzelBank.swift`: the filters);
/// - `DTMFDetector+SubBlocks.swift`: the sub-block ring, its one reader and the two window sums;
/// - `DTMFDetector+Detection.swift`: the gate, and what a candidate goes through to become a key;
/// - `DTMFDetector+ToneFit.swift`: measuring one tone and a pair over a window;
/// - `DTMFDetector+TierA.swift`, `DTMFDetector+TierL.swift`: the two tiers of validation;
/// - `DTMFDetector+HarmonicLock.swift`, `DTMFDetector+MusicChecks.swift`: the vetoes against voice
///   and music; `DTMFDetector+Echo.swift`: the echo reference;
/// - `DTMFDetector+ChangePoint.swift`: the onset and release search, on `ModelPair.swift`'s model;
/// - `DTMFDetector+Tracking.swift`: a key that is down, and its release;
/// - `SinCos.swift`: sin and cos of both tones at once, and rotations by recurrence; `DTMFDigit.swift`:
///   the keys and their frequencies.
///
/// Helpers that only read the receiver are `mutating` all the same: called from a mutating method, a
/// non-mutating one is handed a copy of the whole receiver; a mutating one gets `self` by address.
///
/// ## Cost
/// Per sample: one step of one of the two half-rate Goertzel filters of `GoertzelBank` (three
/// `SIMD8<Float>` operations), fed four samples at a time with one conversion and one store to the
/// history. Per sub-block: a few dozen SIMD operations (the filters' recombination, a table lookup for
/// the phase reference, the energy read back, two running window sums). Validation runs only while a
/// candidate is present.
/// Real-time safe after `init`: `process` allocates nothing, takes no locks and never blocks.
public struct DTMFDetector: Sendable {
    // MARK: What all lines share

    /// What every line of this configuration shares: the configuration, its thresholds in the units
    /// compared, and the Goertzel bank. Computed in `init` and never changed (see `Descriptor`).
    let descriptor: Descriptor

    /// The settings this receiver was made with.
    public var configuration: Configuration { descriptor.configuration }

    // MARK: Per-line state

    // Per sample (`DTMFDetector+FrontEnd.swift`).
    var goertzel: GoertzelBank.State
    var positionInSubBlock = 0
    /// The first sample of a pair whose second has not arrived yet.
    var waitingSample: Float?
    /// The newest `historyCapacity` samples, a ring (and `historyMirror` more, see there).
    var history: [Float]
    /// Samples consumed since the start of the stream.
    public internal(set) var sampleCount: Int64 = 0

    // Per sub-block (`DTMFDetector+SubBlocks.swift`).
    /// The newest `ringCapacity` sub-blocks; sub-block n is in slot n mod `ringCapacity`.
    var ring: [SubBlock]
    /// Sub-blocks completed since the start of the stream.
    var subBlockCount: Int64 = 0
    /// Running sums over the newest 9 and 14 sub-blocks (the two windows), kept exact by a full
    /// recount every `recountInterval` sub-blocks so that rounding cannot build up.
    var shortSum = SubBlock()
    var longSum = SubBlock()
    /// Set while the sums are not kept (a key is down); the next sub-block without a key recounts them.
    var windowSumsStale = false
    /// The key that is down, if any (`DTMFDetector+Tracking.swift`).
    var key: KeyState?
    /// The tracking constants of `key`; meaningful only while `key` is not nil.
    var tracker = Tracker()
    /// The last sample of the previous key. No window that reaches back into it can hold a new key
    /// (Q.24 keys are separated by at least 40 ms), so detection skips such windows.
    var previousKeyEnd = Int64.min
    /// Set when the last evaluation found nothing near a key: the next sub-block is not evaluated.
    var skipNextDetection = false
    /// Scratch space for the residual of the harmonic-lock veto and the gains of the onset and release
    /// searches, allocated once.
    var residual: [Double]
    /// What the line played, when the caller gives it (`process(_:reference:_:)`).
    var echo: EchoReference

    /// A receiver with `configuration`. Allocates its buffers here and never again.
    public init(configuration: Configuration = Configuration()) {
        self.descriptor = Descriptor(configuration)
        self.goertzel = GoertzelBank.State(bank: Self.bank)
        self.history = [Float](repeating: 0, count: Self.historyCapacity + Self.historyMirror)
        self.ring = [SubBlock](repeating: SubBlock(), count: Self.ringCapacity)
        // Also the gains of the onset and release searches (at most 400 samples).
        self.residual = [Double](repeating: 0, count: max(Self.longWindowSubBlocks * Self.subBlockLength, 400))
        self.echo = EchoReference()
    }

    /// Feeds `samples` (8 kHz, 16-bit linear) and calls `handler` for every key-down and key-up they
    /// complete, in order.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking (the handler is the caller's).
    public mutating func process(_ samples: UnsafeBufferPointer<Int16>, _ handler: (Event) -> Void) {
        var index = 0
        let count = samples.count
        while index < count {
            // The common case: a whole sub-block from its first sample, its filters in registers only.
            if positionInSubBlock == 0 && count &- index >= Self.subBlockLength {
                let (re, im) = wholeSubBlock(samples, from: index)
                index &+= Self.subBlockLength
                endSubBlock(re, im, handler)
                continue
            }
            let take = min(Self.subBlockLength - positionInSubBlock, count - index)
            feed(samples, from: index, count: take)
            index += take
            if positionInSubBlock == Self.subBlockLength {
                positionInSubBlock = 0
                let (re, im) = descriptor.bank.finishSubBlock(&goertzel)
                endSubBlock(re, im, handler)
            }
        }
    }

    /// Feeds `samples` given as an array; a convenience for tests and offline use.
    public mutating func process(_ samples: [Int16], _ handler: (Event) -> Void) {
        samples.withUnsafeBufferPointer { process($0, handler) }
    }

    /// Ends the stream: releases a key still down at the last sample.
    public mutating func finish(_ handler: (Event) -> Void) {
        if let key {
            handler(keyUpEvent(key, end: key.lastPresentSample))
            self.key = nil
        }
    }
}
