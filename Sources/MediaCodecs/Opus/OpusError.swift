import COpus

/// A failure reported by libopus (or by a check made before calling it), with the C return code and the
/// function that failed.
///
/// Thrown with typed throws (`throws(OpusError)`), so raising it allocates nothing: the function name is
/// always a string literal.
public struct OpusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The documented libopus error codes (`opus_defines.h`), one case each.
    public enum Code: Hashable, Sendable, CaseIterable {
        /// `OPUS_BAD_ARG` (-1): an argument is invalid or out of range (sample rate, channel count,
        /// frame size that is not a multiple of 2.5 ms, ...).
        case badArgument
        /// `OPUS_BUFFER_TOO_SMALL` (-2): the output buffer cannot hold the decoded frame (or the packet).
        case bufferTooSmall
        /// `OPUS_INTERNAL_ERROR` (-3): an internal error in libopus.
        case internalError
        /// `OPUS_INVALID_PACKET` (-4): the packet is corrupt, truncated or empty.
        case invalidPacket
        /// `OPUS_UNIMPLEMENTED` (-5): the request is not implemented.
        case unimplemented
        /// `OPUS_INVALID_STATE` (-6): the encoder or decoder state is invalid or freed.
        case invalidState
        /// `OPUS_ALLOC_FAIL` (-7): memory allocation failed.
        case allocationFailure
        /// A negative code that libopus 1.3 does not document; `opusCode` keeps it.
        case undocumented

        /// The code for a libopus return value (which must be negative).
        public init(opusCode: Int32) {
            switch opusCode {
            case OPUS_BAD_ARG: self = .badArgument
            case OPUS_BUFFER_TOO_SMALL: self = .bufferTooSmall
            case OPUS_INTERNAL_ERROR: self = .internalError
            case OPUS_INVALID_PACKET: self = .invalidPacket
            case OPUS_UNIMPLEMENTED: self = .unimplemented
            case OPUS_INVALID_STATE: self = .invalidState
            case OPUS_ALLOC_FAIL: self = .allocationFailure
            default: self = .undocumented
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The raw libopus return code (`OPUS_*`, negative).
    public var opusCode: Int32
    /// The C function that failed (`"opus_decode"`), or the Swift method that refused the call before
    /// reaching libopus (`"OpusFrameDecoder.decode"`, for an empty packet).
    public var function: String

    /// An error for the libopus return value `opusCode` from `function`.
    public init(opusCode: Int32, function: String) {
        self.code = Code(opusCode: opusCode)
        self.opusCode = opusCode
        self.function = function
    }

    /// libopus's own description of the code (`opus_strerror`).
    public var message: String { String(cString: opus_strerror(opusCode)) }

    public var description: String { "\(function) failed: \(message) (\(opusCode))" }
}
