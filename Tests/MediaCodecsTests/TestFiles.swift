import Foundation

/// A scratch directory per test, and hand-built files that do not depend on libsndfile's writer.
struct TestDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ivrmedia-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The bytes of the file at `path`.
    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

enum TestFiles {
    /// A canonical 44-byte-header PCM16 WAV file of interleaved `samples`, built byte by byte.
    /// `declaredDataByteCount` overrides the `data` chunk size (to make a truncated file).
    static func wav(
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
    static func slinear(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] }
    }
}
