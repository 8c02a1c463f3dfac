import CSndfile
import DSPCore
import Foundation
import Testing

/// libsndfile as an independent G.711 oracle (notes/platform.md §3.2): its decoders agree with G.191 on
/// every code; its encoders negate negatives in two's complement, so ITU(x) == sndfile(x + 1) for
/// x <= -2, ITU(-1) is the one's complement code of -1, and positives agree.
private enum SndfileOracle {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("g711-\(name)-\(getpid()).raw").path
    }

    static func format(_ law: G711.Law) -> Int32 {
        Int32(SF_FORMAT_RAW | (law == .muLaw ? SF_FORMAT_ULAW : SF_FORMAT_ALAW))
    }

    /// Encodes every sample with libsndfile and returns the codes it wrote.
    static func encode(_ samples: [Int16], law: G711.Law) throws -> [UInt8] {
        let path = temporaryPath("enc-\(law)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var info = SF_INFO(frames: 0, samplerate: 8000, channels: 1, format: format(law), sections: 0, seekable: 0)
        let file = try #require(sf_open(path, Int32(SFM_WRITE), &info))
        let written = samples.withUnsafeBufferPointer { sf_write_short(file, $0.baseAddress, sf_count_t($0.count)) }
        #expect(written == samples.count)
        sf_close(file)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Decodes every code with libsndfile.
    static func decode(_ codes: [UInt8], law: G711.Law) throws -> [Int16] {
        let path = temporaryPath("dec-\(law)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(codes).write(to: URL(fileURLWithPath: path))
        var info = SF_INFO(frames: 0, samplerate: 8000, channels: 1, format: format(law), sections: 0, seekable: 0)
        let file = try #require(sf_open(path, Int32(SFM_READ), &info))
        defer { sf_close(file) }
        var samples = [Int16](repeating: 0, count: codes.count)
        let read = samples.withUnsafeMutableBufferPointer { sf_read_short(file, $0.baseAddress, sf_count_t($0.count)) }
        #expect(read == codes.count)
        return samples
    }
}

@Suite("G.711")
struct G711Tests {
    static let allCodes: [UInt8] = (0...255).map { UInt8($0) }
    static let allSamples: [Int16] = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }

    @Test("decoding agrees with libsndfile on all 256 codes", arguments: G711.Law.allCases)
    func decodeMatchesOracle(law: G711.Law) throws {
        let oracle = try SndfileOracle.decode(Self.allCodes, law: law)
        for code in Self.allCodes {
            #expect(G711.decode(code, law: law) == oracle[Int(code)], "code \(code)")
        }
    }

    @Test(
        "encoding agrees with libsndfile on all 65,536 inputs, up to the one's complement rule",
        arguments: G711.Law.allCases)
    func encodeMatchesOracle(law: G711.Law) throws {
        let oracle = try SndfileOracle.encode(Self.allSamples, law: law)
        #expect(oracle.count == 65536)
        var mismatches = 0
        for (index, sample) in Self.allSamples.enumerated() {
            let ours = G711.encode(sample, law: law)
            let expected: UInt8
            if sample >= 0 {
                expected = oracle[index]
            } else if sample == -1 {
                // G.191 codes -1 as the smallest negative step: 0x7F (µ-law) or 0x55 (A-law).
                expected = law == .muLaw ? 0x7F : 0x55
            } else {
                expected = oracle[index + 1]  // sndfile(x + 1)
            }
            if ours != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("the tables are the G.191 algorithm", arguments: G711.Law.allCases)
    func tablesMatchReference(law: G711.Law) {
        var mismatches = 0
        for sample in Self.allSamples {
            let reference =
                law == .muLaw
                ? G711.Reference.muLawCompress(sample) : G711.Reference.aLawCompress(sample)
            if G711.encode(sample, law: law) != reference { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test(
        "decode then encode returns every code (µ-law's negative zero 0x7F becomes 0xFF)",
        arguments: G711.Law.allCases)
    func roundTripCodes(law: G711.Law) {
        for code in Self.allCodes {
            let back = G711.encode(G711.decode(code, law: law), law: law)
            if law == .muLaw && code == 0x7F {
                #expect(back == 0xFF)
            } else {
                #expect(back == code, "code \(code)")
            }
        }
    }

    @Test("known points of G.191")
    func knownPoints() {
        #expect(G711.muLawEncode(0) == 0xFF)
        #expect(G711.muLawEncode(-1) == 0x7F)
        #expect(G711.muLawDecode(0xFF) == 0 && G711.muLawDecode(0x7F) == 0)
        #expect(G711.muLawDecode(0x80) == 32124 && G711.muLawDecode(0x00) == -32124)
        #expect(G711.aLawEncode(0) == 0xD5 && G711.aLawEncode(-1) == 0x55)
        #expect(G711.aLawDecode(0xD5) == 8 && G711.aLawDecode(0x55) == -8)
        #expect(G711.aLawDecode(0xAA) == 32256 && G711.aLawDecode(0x2A) == -32256)
    }

    @Test("the 8-sample µ-law 1 kHz sequence measures 0 dBm0 within 0.1 dB")
    func digitalMilliwatt() {
        // G.711 Table 5: the digital milliwatt.
        let sequence: [UInt8] = [0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E]
        let meanSquare = sequence.map { Double(G711.muLawDecode($0)) }.map { $0 * $0 }.reduce(0, +) / 8
        let level = Level.dBm0(meanSquare: meanSquare, fullScaleSineDBm0: G711.Law.muLaw.fullScaleSineDBm0)
        #expect(abs(level) < 0.1, "measured \(level) dBm0")
    }

    @Test("the A-law 1 kHz sequence measures 0 dBm0 within 0.1 dB")
    func digitalMilliwattALaw() {
        // G.711 Table 6: the A-law digital milliwatt.
        let sequence: [UInt8] = [0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4]
        let meanSquare = sequence.map { Double(G711.aLawDecode($0)) }.map { $0 * $0 }.reduce(0, +) / 8
        let level = Level.dBm0(meanSquare: meanSquare, fullScaleSineDBm0: G711.Law.aLaw.fullScaleSineDBm0)
        #expect(abs(level) < 0.1, "measured \(level) dBm0")
    }
}
