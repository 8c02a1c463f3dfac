import Foundation

/// A minimal reader for the canonical RIFF/WAVE files of the Asterisk sound packages: PCM, 16-bit,
/// mono, 8 kHz. Walks the chunks, so a `LIST` chunk before `data` is fine; anything else is refused.
public enum WAVFile {
    public struct FormatError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The samples of the PCM16 mono 8 kHz WAV file at `path`.
    public static func readPCM16Mono8k(_ path: String) throws -> [Int16] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        func fail(_ reason: String) -> FormatError { FormatError(path: path, reason: reason) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [Int16] in
            func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
            func tag(_ at: Int) -> String { String(decoding: raw[at..<(at + 4)], as: UTF8.self) }
            guard raw.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw fail("not RIFF/WAVE") }
            var offset = 12
            var formatOK = false
            while offset + 8 <= raw.count {
                let id = tag(offset), size = u32(offset + 4), body = offset + 8
                switch id {
                case "fmt ":
                    guard size >= 16, body + 16 <= raw.count else { throw fail("short fmt chunk") }
                    let format = u16(body), channels = u16(body + 2), rate = u32(body + 4), bits = u16(body + 14)
                    guard format == 1, channels == 1, rate == 8000, bits == 16 else {
                        throw fail("format \(format), \(channels) channels, \(rate) Hz, \(bits) bits: want PCM16 mono 8 kHz")
                    }
                    formatOK = true
                case "data":
                    guard formatOK else { throw fail("data before fmt") }
                    let count = min(size, raw.count - body) / 2
                    return (0..<count).map { Int16(bitPattern: UInt16(u16(body + 2 * $0))) }
                default:
                    break
                }
                offset = body + size + (size & 1)
            }
            throw fail("no data chunk")
        }
    }

    /// Every `.wav` file under `directory` (recursively when asked), sorted by path.
    public static func files(in directory: String, recursive: Bool) -> [String] {
        let manager = FileManager.default
        var result: [String] = []
        if recursive {
            guard let walker = manager.enumerator(atPath: directory) else { return [] }
            for case let relative as String in walker where relative.hasSuffix(".wav") {
                result.append(directory + "/" + relative)
            }
        } else {
            let names = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            result = names.filter { $0.hasSuffix(".wav") }.map { directory + "/" + $0 }
        }
        return result.sorted()
    }
}
