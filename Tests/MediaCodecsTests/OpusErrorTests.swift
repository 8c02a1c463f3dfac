import COpus
import MediaCodecs
import Testing

@Suite("OpusError")
struct OpusErrorTests {
    @Test("Every documented libopus error code has its own case and message")
    func errorCodes() {
        let documented: [(Int32, OpusError.Code)] = [
            (OPUS_BAD_ARG, .badArgument), (OPUS_BUFFER_TOO_SMALL, .bufferTooSmall),
            (OPUS_INTERNAL_ERROR, .internalError), (OPUS_INVALID_PACKET, .invalidPacket),
            (OPUS_UNIMPLEMENTED, .unimplemented), (OPUS_INVALID_STATE, .invalidState),
            (OPUS_ALLOC_FAIL, .allocationFailure),
        ]
        for (opusCode, code) in documented {
            let error = OpusError(opusCode: opusCode, function: "opus_decode")
            #expect(error.code == code)
            #expect(error.description.contains("opus_decode"))
        }
        #expect(Set(documented.map { OpusError(opusCode: $0.0, function: "f").message }).count == documented.count)
        #expect(OpusError(opusCode: -42, function: "f").code == .undocumented)
        #expect(Set(documented.map(\.1)).count == OpusError.Code.allCases.count - 1)
    }

    @Test("The description names the function and libopus's message")
    func description() {
        let error = OpusError(opusCode: OPUS_INVALID_PACKET, function: "opus_decode")
        #expect(error.message == "corrupted stream")
        #expect(error.description == "opus_decode failed: corrupted stream (-4)")
    }
}
