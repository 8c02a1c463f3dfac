/// A caller-chosen class of voices, so that one call can stop them all: barge-in stops every
/// ``prompt`` and leaves the ``music`` playing.
public struct VoiceTag: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Spoken prompts, stopped by barge-in.
    public static let prompt = VoiceTag(rawValue: 0)
    /// Background music or comfort tones.
    public static let music = VoiceTag(rawValue: 1)

    public var description: String {
        switch self {
        case .prompt: return "prompt"
        case .music: return "music"
        default: return "tag \(rawValue)"
        }
    }
}

/// One voice started on a ``LineMixer``. A voice that has ended is never confused with a later voice in
/// the same slot: the generation differs.
public struct VoiceID: Hashable, Sendable, CustomStringConvertible {
    /// The mixer slot, 0 ..< ``LineMixer/voiceCapacity``.
    public let slot: Int
    /// Counts the voices started in this mixer.
    public let generation: UInt32

    public var description: String { "voice \(slot).\(generation)" }
}

/// A voice that ended during a ``LineMixer/render(into:)``.
public struct VoiceEnd: Hashable, Sendable {
    /// Why a voice ended.
    public enum Reason: Hashable, Sendable {
        /// It played to its end (`prompt_end` with reason `finished`).
        case finished
        /// ``LineMixer/stop(_:)`` or ``LineMixer/stopAll(tag:)`` stopped it (`prompt_end` with reason
        /// `barge_in` when the stop was a barge-in).
        case stopped
    }

    /// The voice.
    public var voice: VoiceID
    /// The tag it was started with.
    public var tag: VoiceTag
    /// Why it ended.
    public var reason: Reason
    /// Where in the rendered frame the voice fell silent: the number of samples of the frame it still
    /// contributed to (0 ... frame length). For a stopped voice this is the end of its fade-out.
    public var sampleOffset: Int
}

/// The voices that ended during one render, in order of ``VoiceEnd/sampleOffset`` (by slot at equal
/// offsets). A fixed-capacity value: no allocation.
public struct VoiceEnds: RandomAccessCollection, Sendable {
    /// At most ``LineMixer/maximumVoiceCapacity`` voices end per render.
    public static let capacity = LineMixer.maximumVoiceCapacity

    public private(set) var count = 0
    private var storage: (VoiceEnd, VoiceEnd, VoiceEnd, VoiceEnd, VoiceEnd, VoiceEnd, VoiceEnd, VoiceEnd) = (
        placeholder, placeholder, placeholder, placeholder, placeholder, placeholder, placeholder, placeholder
    )

    private static let placeholder = VoiceEnd(
        voice: VoiceID(slot: 0, generation: 0), tag: .prompt, reason: .finished, sampleOffset: 0)

    /// No voices.
    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// Real-time safe: no allocation, locks, logging or blocking.
    public subscript(position: Int) -> VoiceEnd {
        precondition(position >= 0 && position < count, "VoiceEnds: index out of range")
        return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: position * Self.stride, as: VoiceEnd.self) }
    }

    /// Inserts `end` after every element with a smaller or equal offset.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    mutating func insert(_ end: VoiceEnd) {
        precondition(count < Self.capacity, "VoiceEnds: full")
        var position = count
        while position > 0 && self[position - 1].sampleOffset > end.sampleOffset { position -= 1 }
        let count = self.count
        withUnsafeMutableBytes(of: &storage) { bytes in
            var moving = count
            while moving > position {
                let earlier = bytes.load(fromByteOffset: (moving - 1) * Self.stride, as: VoiceEnd.self)
                bytes.storeBytes(of: earlier, toByteOffset: moving * Self.stride, as: VoiceEnd.self)
                moving -= 1
            }
            bytes.storeBytes(of: end, toByteOffset: position * Self.stride, as: VoiceEnd.self)
        }
        self.count += 1
    }

    private static var stride: Int { MemoryLayout<VoiceEnd>.stride }
}
