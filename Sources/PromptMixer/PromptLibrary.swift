import DSPCore
import Foundation
import MediaCodecs
import Synchronization

/// The prompts of a configuration, decoded once at load to 8 kHz 16-bit mono and kept in one buffer.
///
/// **Layout.** The layout of Asterisk prompt libraries: `<root>/<language>/<id>.<ext>`, and
/// `<root>/<id>.<ext>` for language-neutral prompts. Ids may contain `/` (`digits/7`).
///
/// **Lookup** of prompt `id` in language `L` (ivr-config.md §3.6), first hit wins:
/// 1. `<root>/L/id`
/// 2. `<root>/base(L)/id`, where `base(L)` is the part before the first `-` or `_` (`ru` for `ru-RU`
///    and `ru_RU`)
/// 3. `<root>/F/id` for each fallback language `F`, in order
/// 4. `<root>/id` (language-neutral)
/// 5. not found: the request is listed in ``missing`` and ``lookup(_:language:)`` returns nil.
///
/// Within each directory the extensions of the formats are tried in the order of `formats`
/// (`prompts.formats`; see ``PromptFormat``).
///
/// **Language directories.** The directory of language `L` is `<root>/L` when it exists; otherwise
/// `<root>/L'` where `L'` is `L` with `-` written as `_` (`ru-RU` -> `ru_RU`); otherwise the first
/// directory, in byte order of names, whose name starts with `L'_`. The last rule lets Debian's
/// `asterisk-core-sounds-*` packages serve as they are installed: with `prompts.root:
/// /usr/share/asterisk/sounds`, `en` finds `en_US_f_Allison/` and `ru` finds `ru_RU_f_IvrvoiceRU/`.
///
/// **Decoding.** Every file is read with `MediaCodecs.AudioFile.read` at 8000 Hz (other rates go
/// through the resampler; Opus is decoded at 8 kHz by libopus), several channels are averaged to one,
/// and each distinct file is decoded once however many requests resolve to it. All samples are then
/// copied into one buffer owned by the library, which never changes afterwards; ``PromptHandle``s
/// point into it by offset.
///
/// Loading reads files and allocates: do it on a control thread, never on the audio thread. The
/// library is immutable and `Sendable`; share it between lines.
public struct PromptLibrary: Sendable {
    /// The sample rate of every prompt, in Hz: the line's.
    public static let sampleRate = G711.sampleRate

    /// The directory the prompts were looked up in.
    public let root: String
    /// The formats in order of preference.
    public let formats: [PromptFormat]
    /// The languages tried after the requested one and its base language.
    public let fallbackLanguages: [String]
    /// The requests that found no file, in the order first requested.
    public let missing: [PromptRequest]
    /// The prompts found, one per distinct request, in the order first requested.
    public let handles: [PromptHandle]
    /// Distinguishes this library's handles from those of any other library of this process.
    public let identifier: UInt64

    let samples: PromptSamples
    private let index: [PromptRequest: Int]

    /// The number of samples in the buffer (distinct files only).
    public var totalSampleCount: Int { samples.count }

    // MARK: - Loading

    /// Looks up and decodes every request.
    ///
    /// - Parameters:
    ///   - root: `prompts.root`.
    ///   - formats: `prompts.formats`, in order of preference.
    ///   - fallbackLanguages: `languages.fallback`.
    ///   - requests: every (prompt, language) pair a configuration can play. Duplicates are harmless.
    /// - Throws: ``PromptLibraryError`` naming the root or the file: `.rootNotFound`, `.corruptFile`,
    ///   `.unreadableFile`, `.invalidRequest`. A missing prompt is not an error.
    ///
    /// Cost: one directory listing of `root`, up to (languages + 1) × extensions `stat` calls per request,
    /// and one decode per distinct file. Allocates; not for the audio thread.
    public static func load(
        root: String, formats: [PromptFormat] = PromptFormat.defaultOrder, fallbackLanguages: [String] = [],
        requests: [PromptRequest]
    ) throws(PromptLibraryError) -> PromptLibrary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PromptLibraryError(code: .rootNotFound, path: root, message: "no such directory")
        }
        let finder = PromptFinder(root: root, formats: formats, fallbackLanguages: fallbackLanguages)

        var decoded: [[Int16]] = []
        var decodedIndex: [String: Int] = [:]
        var found: [(request: PromptRequest, file: PromptFinder.Found, decoded: Int)] = []
        var missing: [PromptRequest] = []
        var seen: Set<PromptRequest> = []
        for request in requests where seen.insert(request).inserted {
            try Self.validate(request)
            guard let file = finder.find(request) else {
                missing.append(request)
                continue
            }
            let slot: Int
            if let known = decodedIndex[file.path] {
                slot = known
            } else {
                decoded.append(try Self.decode(file.path))
                slot = decoded.count - 1
                decodedIndex[file.path] = slot
            }
            found.append((request, file, slot))
        }

        let samples = PromptSamples(decoded)
        let identifier = nextIdentifier.add(1, ordering: .relaxed).newValue
        var handles: [PromptHandle] = []
        var index: [PromptRequest: Int] = [:]
        for entry in found {
            index[entry.request] = handles.count
            handles.append(
                PromptHandle(
                    id: entry.request.id, language: entry.file.language, resolution: entry.file.resolution,
                    path: entry.file.path, sampleOffset: samples.offsets[entry.decoded],
                    sampleCount: decoded[entry.decoded].count, libraryIdentifier: identifier))
        }
        return PromptLibrary(
            root: root, formats: formats, fallbackLanguages: fallbackLanguages, missing: missing, handles: handles,
            identifier: identifier, samples: samples, index: index)
    }

    private init(
        root: String, formats: [PromptFormat], fallbackLanguages: [String], missing: [PromptRequest],
        handles: [PromptHandle], identifier: UInt64, samples: PromptSamples, index: [PromptRequest: Int]
    ) {
        self.root = root
        self.formats = formats
        self.fallbackLanguages = fallbackLanguages
        self.missing = missing
        self.handles = handles
        self.identifier = identifier
        self.samples = samples
        self.index = index
    }

    private static let nextIdentifier = Atomic<UInt64>(0)

    // MARK: - Lookup

    /// The prompt `id` as requested for `language` at load, or nil when it was not found (log
    /// `prompt_missing` and go on) or never requested.
    ///
    /// Cost: one dictionary lookup (hashes `id` and `language`); no allocation, no I/O.
    public func lookup(_ id: String, language: String?) -> PromptHandle? {
        guard let position = index[PromptRequest(id: id, language: language)] else { return nil }
        return handles[position]
    }

    /// A copy of the samples of `handle`, or nil when it belongs to another library. For tests and tools.
    public func samples(of handle: PromptHandle) -> [Int16]? {
        guard handle.libraryIdentifier == identifier else { return nil }
        return Array(
            UnsafeBufferPointer(
                rebasing: samples.buffer[handle.sampleOffset..<(handle.sampleOffset + handle.sampleCount)]))
    }

    /// The base language of a tag: the part before the first `-` or `_` (`ru` for `ru-RU`, `ru_RU` and
    /// `ru_RU_f_IvrvoiceRU`), or the tag itself.
    public static func baseLanguage(of language: String) -> String {
        String(language.prefix { $0 != "-" && $0 != "_" })
    }

    // MARK: - Private

    private static func validate(_ request: PromptRequest) throws(PromptLibraryError) {
        let components = request.id.split(separator: "/", omittingEmptySubsequences: false)
        if request.id.isEmpty || request.id.hasPrefix("/")
            || components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) || request.id.contains("\0")
        {
            throw PromptLibraryError(
                code: .invalidRequest, path: request.id,
                message: "a prompt id is a relative path without empty, '.' or '..' components")
        }
        if let language = request.language,
            language.isEmpty || language.contains("/") || language == "." || language == ".." || language.contains("\0")
        {
            throw PromptLibraryError(
                code: .invalidRequest, path: request.id, message: "'\(language)' cannot name a language directory")
        }
    }

    /// Reads `path` at 8 kHz and averages its channels.
    private static func decode(_ path: String) throws(PromptLibraryError) -> [Int16] {
        let audio: DecodedAudio
        do {
            audio = try AudioFile.read(path: path, sampleRate: sampleRate)
        } catch {
            let code: PromptLibraryError.Code
            switch error.code {
            case .unsupportedFormat, .corrupt, .truncated, .invalidArgument: code = .corruptFile
            case .missingFile, .notReadable, .readFailed, .writeFailed: code = .unreadableFile
            }
            throw PromptLibraryError(code: code, path: path, message: error.message, audioFileError: error)
        }
        return downmix(audio.channels)
    }

    /// The average of the channels, rounded to nearest.
    static func downmix(_ channels: [[Int16]]) -> [Int16] {
        guard channels.count > 1 else { return channels.first ?? [] }
        let count = Double(channels.count)
        return (0..<channels[0].count).map { frame in
            var sum = 0
            for channel in channels { sum += Int(channel[frame]) }
            return Int16((Double(sum) / count).rounded())
        }
    }
}

// MARK: - Storage

/// The samples of every prompt of a library, in one buffer allocated at load and freed with the last
/// library or mixer that holds it.
///
/// `@unchecked Sendable`: the buffer is written once in `init` and only read afterwards, from any thread.
final class PromptSamples: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Int16>
    /// The number of samples (the buffer holds one sample more when there are none).
    let count: Int
    /// Where each of the decoded arrays given to `init` starts.
    let offsets: [Int]

    init(_ parts: [[Int16]]) {
        var offsets: [Int] = []
        var total = 0
        for part in parts {
            offsets.append(total)
            total += part.count
        }
        buffer = .allocate(capacity: max(total, 1))
        var start = buffer.startIndex
        for part in parts {
            start = buffer[start...].initialize(fromContentsOf: part)
        }
        if total == 0 { buffer[0] = 0 }
        count = total
        self.offsets = offsets
    }

    deinit {
        buffer.deallocate()
    }
}

// MARK: - Finding files

/// The lookup chain of ``PromptLibrary`` over one listing of the root.
struct PromptFinder {
    struct Found {
        var path: String
        var language: String?
        var resolution: PromptHandle.Resolution
    }

    let root: String
    let formats: [PromptFormat]
    let fallbackLanguages: [String]
    /// The subdirectories of the root, sorted by name.
    let directories: [String]

    init(root: String, formats: [PromptFormat], fallbackLanguages: [String]) {
        self.root = root
        self.formats = formats
        self.fallbackLanguages = fallbackLanguages
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        directories = names.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The directory that holds language `language`, or nil.
    func directory(of language: String) -> String? {
        if directories.contains(language) { return language }
        let underscored = language.replacingOccurrences(of: "-", with: "_")
        if directories.contains(underscored) { return underscored }
        return directories.first { $0.hasPrefix(underscored + "_") }
    }

    /// The file for `request`, following the lookup chain.
    func find(_ request: PromptRequest) -> Found? {
        if let language = request.language {
            var chain: [(String, PromptHandle.Resolution)] = [(language, .requestedLanguage)]
            let base = PromptLibrary.baseLanguage(of: language)
            if base != language { chain.append((base, .baseLanguage)) }
            for fallback in fallbackLanguages { chain.append((fallback, .fallbackLanguage)) }
            var tried: Set<String> = []
            for (tag, resolution) in chain {
                guard let directory = directory(of: tag), tried.insert(directory).inserted else { continue }
                if let path = file(request.id, in: root + "/" + directory) {
                    return Found(path: path, language: tag, resolution: resolution)
                }
            }
        }
        if let path = file(request.id, in: root) {
            return Found(path: path, language: nil, resolution: .languageNeutral)
        }
        return nil
    }

    /// `<directory>/<id>.<ext>` for the first extension, in format order, naming a regular file.
    private func file(_ id: String, in directory: String) -> String? {
        for format in formats {
            for fileExtension in format.fileExtensions {
                let path = directory + "/" + id + "." + fileExtension
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    return path
                }
            }
        }
        return nil
    }
}
