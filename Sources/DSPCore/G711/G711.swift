/// ITU-T G.711 companding, bit-exact with the ITU-T G.191 reference algorithm.
///
/// Both laws compress a 16-bit linear sample to an 8-bit code. The reference algorithm works on the
/// one's complement magnitude of negative inputs (`~x`), which is what makes it differ from the many
/// implementations that negate (`-x`): see `Tests/DSPCoreTests/G711Tests.swift` for the exhaustive
/// comparison with libsndfile.
///
/// Decoding is a 256-entry table lookup. Encoding is a table lookup indexed by the top bits of the
/// input (µ-law uses 14 bits, A-law 13), so both directions cost one load per sample.
public enum G711 {
    /// The sample rate of G.711 (8000 samples a second): the rate of every line, of the receiver, of the
    /// prompts and of the router's tick.
    public static let sampleRate = 8000

    /// The two companding laws of G.711.
    public enum Law: String, Sendable, Hashable, CaseIterable {
        /// µ-law (North America, Japan).
        case muLaw
        /// A-law (Europe and most of the rest of the world).
        case aLaw

        /// The level in dBm0 of a full-scale sine wave under this law (G.711 Tables 1a/2a):
        /// +3.17 dBm0 for µ-law, +3.14 dBm0 for A-law.
        public var fullScaleSineDBm0: Double {
            switch self {
            case .muLaw: return 3.17
            case .aLaw: return 3.14
            }
        }

        /// The code that decodes to silence.
        public var silenceCode: UInt8 {
            switch self {
            case .muLaw: return 0xFF
            case .aLaw: return 0xD5
            }
        }
    }

    // MARK: - µ-law

    /// Encodes one linear sample to µ-law (G.191 `ulaw_compress`).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func muLawEncode(_ sample: Int16) -> UInt8 {
        // Index by the 14-bit one's complement magnitude and the sign.
        let negative = sample < 0
        let magnitude = Int(negative ? ~sample : sample) >> 2
        return Tables.muLawEncode[magnitude | (negative ? 0 : 0x2000)]
    }

    /// Decodes one µ-law code to a linear sample (G.191 `ulaw_expand`).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func muLawDecode(_ code: UInt8) -> Int16 {
        Tables.muLawDecode[Int(code)]
    }

    // MARK: - A-law

    /// Encodes one linear sample to A-law (G.191 `alaw_compress`).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func aLawEncode(_ sample: Int16) -> UInt8 {
        let negative = sample < 0
        let magnitude = Int(negative ? ~sample : sample) >> 3
        return Tables.aLawEncode[magnitude | (negative ? 0 : 0x1000)]
    }

    /// Decodes one A-law code to a linear sample (G.191 `alaw_expand`).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func aLawDecode(_ code: UInt8) -> Int16 {
        Tables.aLawDecode[Int(code)]
    }

    // MARK: - Either law

    /// Encodes one sample under `law`.
    @inlinable
    public static func encode(_ sample: Int16, law: Law) -> UInt8 {
        law == .muLaw ? muLawEncode(sample) : aLawEncode(sample)
    }

    /// Decodes one code under `law`.
    @inlinable
    public static func decode(_ code: UInt8, law: Law) -> Int16 {
        law == .muLaw ? muLawDecode(code) : aLawDecode(code)
    }

    /// Encodes `input` into `output`, which must be at least as long.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func encode(
        _ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>, law: Law
    ) {
        precondition(output.count >= input.count, "G711.encode: output shorter than input")
        switch law {
        case .muLaw:
            for index in input.indices { output[index] = muLawEncode(input[index]) }
        case .aLaw:
            for index in input.indices { output[index] = aLawEncode(input[index]) }
        }
    }

    /// Decodes `input` into `output`, which must be at least as long.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @inlinable
    public static func decode(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Int16>, law: Law
    ) {
        precondition(output.count >= input.count, "G711.decode: output shorter than input")
        switch law {
        case .muLaw:
            for index in input.indices { output[index] = muLawDecode(input[index]) }
        case .aLaw:
            for index in input.indices { output[index] = aLawDecode(input[index]) }
        }
    }
}

// MARK: - The reference algorithm

extension G711 {
    /// The G.191 algorithm written out, used once to build the tables. Exposed for tests.
    public enum Reference {
        /// µ-law compression of one sample, as G.191 `ulaw_compress` computes it.
        public static func muLawCompress(_ sample: Int16) -> UInt8 {
            let x = Int(sample)
            // 14-bit magnitude with one's complement for negatives, biased by 33 (0x84 >> 2).
            var biased = (x < 0 ? (~x) >> 2 : x >> 2) + 33
            if biased > 0x1FFF { biased = 0x1FFF }
            var segment = 1
            var rest = biased >> 6
            while rest != 0 {
                segment += 1
                rest >>= 1
            }
            let high = 8 - segment
            let low = 15 - ((biased >> segment) & 0x0F)
            var code = (high << 4) | low
            if x >= 0 { code |= 0x80 }
            return UInt8(code & 0xFF)
        }

        /// µ-law expansion of one code, as G.191 `ulaw_expand` computes it.
        public static func muLawExpand(_ code: UInt8) -> Int16 {
            let inverted = Int(~code)
            let exponent = (inverted >> 4) & 0x07
            let mantissa = inverted & 0x0F
            let step = 4 << (exponent + 1)
            let magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33
            return Int16(code < 0x80 ? -magnitude : magnitude)
        }

        /// A-law compression of one sample, as G.191 `alaw_compress` computes it.
        public static func aLawCompress(_ sample: Int16) -> UInt8 {
            let x = Int(sample)
            var magnitude = (x < 0 ? ~x : x) >> 4
            if magnitude > 15 {
                var exponent = 1
                while magnitude > 16 + 15 {
                    magnitude >>= 1
                    exponent += 1
                }
                magnitude -= 16
                magnitude += exponent << 4
            }
            if x >= 0 { magnitude |= 0x80 }
            return UInt8((magnitude ^ 0x55) & 0xFF)
        }

        /// A-law expansion of one code, as G.191 `alaw_expand` computes it.
        public static func aLawExpand(_ code: UInt8) -> Int16 {
            let toggled = Int(code ^ 0x55) & 0x7F
            let exponent = toggled >> 4
            var mantissa = toggled & 0x0F
            if exponent > 0 { mantissa += 16 }
            mantissa = (mantissa << 4) + 0x08
            if exponent > 1 { mantissa <<= (exponent - 1) }
            return Int16(code > 0x7F ? mantissa : -mantissa)
        }
    }

    /// Lookup tables built once from `Reference`.
    @usableFromInline
    enum Tables {
        /// Indexed by `code`.
        @usableFromInline static let muLawDecode: [Int16] = (0...255).map { Reference.muLawExpand(UInt8($0)) }
        @usableFromInline static let aLawDecode: [Int16] = (0...255).map { Reference.aLawExpand(UInt8($0)) }

        /// Indexed by `magnitude | positiveBit`, where magnitude is `(x < 0 ? ~x : x) >> 2` (14 bits) and
        /// positiveBit is 0x2000 for x >= 0. Every x with the same index encodes to the same code.
        @usableFromInline static let muLawEncode: [UInt8] = (0..<0x4000).map { index in
            let magnitude = index & 0x1FFF
            let sample = index & 0x2000 != 0 ? Int16(magnitude << 2) : ~Int16(magnitude << 2)
            return Reference.muLawCompress(sample)
        }

        /// Indexed by `magnitude | positiveBit`, magnitude `(x < 0 ? ~x : x) >> 3` (12 bits), bit 0x1000.
        @usableFromInline static let aLawEncode: [UInt8] = (0..<0x2000).map { index in
            let magnitude = index & 0x0FFF
            let sample = index & 0x1000 != 0 ? Int16(magnitude << 3) : ~Int16(magnitude << 3)
            return Reference.aLawCompress(sample)
        }
    }
}
