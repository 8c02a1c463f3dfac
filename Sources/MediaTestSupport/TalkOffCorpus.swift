import Foundation

/// The talk-off corpus: music and speech in which a DTMF receiver must hear no key, built from Debian
/// packages by `Bench/Scripts/talkoff-corpus` (`make talkoff-corpus` for the whole corpus in
/// Bench/.corpus/talkoff, `make talkoff-subset` for the fixed part of its check half that `make test`
/// runs, in .build/talkoff-subset).
///
/// Each source file is there twice: `native` (mono, 8 kHz) and `hot` (band-limited to 300-3400 Hz,
/// raised to full scale with soft clipping, through G.711), and each belongs to one of two fixed halves
/// by source file: `tune`, the half thresholds may be tuned on, and `check`, the half that tells whether
/// a change holds on audio it was not tuned on.
public struct TalkOffCorpus: Sendable {
    public enum Half: String, Sendable, CaseIterable { case tune, check }
    public enum Copy: String, Sendable, CaseIterable { case native, hot }
    public enum Kind: String, Sendable, CaseIterable { case music, speech }

    /// One file of the corpus, as its manifest line describes it.
    public struct Entry: Sendable, Hashable {
        public var half: Half
        public var copy: Copy
        public var kind: Kind
        /// The Debian package the source came from.
        public var package: String
        /// The source file, as installed by its package.
        public var source: String
        /// The 8 kHz signed 16-bit little-endian file, absolute.
        public var path: String
        public var seconds: Double
    }

    public enum Failure: Error, CustomStringConvertible {
        case noManifest(String)
        case badLine(String, Int)
        case unreadable(String)

        public var description: String {
            switch self {
            case .noManifest(let path): "\(path): no talk-off corpus manifest (make talkoff-corpus builds it)"
            case .badLine(let path, let line): "\(path):\(line): not a manifest line"
            case .unreadable(let path): "\(path): cannot read"
            }
        }
    }

    /// The whole corpus that `make talkoff-corpus` builds, relative to the Bench folder.
    public static let benchDirectory = "Bench/.corpus/talkoff"
    /// The subset that `make test` builds, relative to the package root.
    public static let subsetDirectory = ".build/talkoff-subset"

    public var directory: String
    public var entries: [Entry]

    /// Reads `directory/manifest.tsv` (columns half, copy, kind, package, source, file, seconds).
    public init(directory: String) throws {
        self.directory = directory
        let manifest = directory + "/manifest.tsv"
        guard let text = try? String(contentsOfFile: manifest, encoding: .utf8) else {
            throw Failure.noManifest(manifest)
        }
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            if index == 0 && line.hasPrefix("half\t") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 7, let half = Half(rawValue: fields[0]), let copy = Copy(rawValue: fields[1]),
                let kind = Kind(rawValue: fields[2]), let seconds = Double(fields[6])
            else { throw Failure.badLine(manifest, index + 1) }
            entries.append(
                Entry(
                    half: half, copy: copy, kind: kind, package: fields[3], source: fields[4],
                    path: directory + "/" + fields[5], seconds: seconds))
        }
        self.entries = entries
    }

    /// The samples of one file (raw signed 16-bit little-endian, 8 kHz).
    public static func samples(_ entry: Entry) throws -> [Int16] {
        guard let data = FileManager.default.contents(atPath: entry.path) else {
            throw Failure.unreadable(entry.path)
        }
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 2)).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }
}
