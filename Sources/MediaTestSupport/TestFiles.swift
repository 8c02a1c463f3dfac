import Foundation

/// Audio files built byte by byte, independent of libsndfile's writer: headers that claim what a
/// test needs (a truncated `data` chunk, a sample rate no audio has).
public enum TestFiles {
    /// A canonical 44-byte-header PCM16 WAV file of interleaved `samples`, built byte by byte.
    /// `declaredDataByteCount` overrides the `data` chunk size (to make a truncated file).
    public static func wav(
        samples: [Int16], sampleRate: Int, channelCount: Int, declaredDataByteCount: Int? = nil
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        func append32(_ value: Int) {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> shift) & 0xFF)) }
        }
        func append16(_ value: Int) { bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        let dataByteCount = samples.count * 2
        bytes += Array("RIFF".utf8)
        append32(36 + (declaredDataByteCount ?? dataByteCount))
        bytes += Array("WAVEfmt ".utf8)
        append32(16)
        append16(1)  // WAVE_FORMAT_PCM
        append16(channelCount)
        append32(sampleRate)
        append32(sampleRate * channelCount * 2)
        append16(channelCount * 2)
        append16(16)
        bytes += Array("data".utf8)
        append32(declaredDataByteCount ?? dataByteCount)
        for sample in samples { append16(Int(UInt16(bitPattern: sample))) }
        return bytes
    }

    /// Little-endian bytes of 16-bit samples (the `.sln` format).
    public static func slinear(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] }
    }
}
