/// A prompt (id and language) to preload into a ``PromptLibrary``.
public struct PromptRequest: Hashable, Sendable, CustomStringConvertible {
    /// The prompt id, a relative path without extension; may contain `/` (`digits/7`).
    public var id: String
    /// The language the call is in (`ru`, `ru-RU`, `en_US`), or nil for a language-neutral prompt,
    /// looked up at `<root>/<id>` only.
    public var language: String?

    public init(id: String, language: String?) {
        self.id = id
        self.language = language
    }

    public var description: String { "\(language ?? "-")/\(id)" }
}

/// A decoded prompt in a ``PromptLibrary``: where its samples are, and which file they came from.
///
/// A small value: the samples stay in the library's one buffer, and a ``LineMixer`` plays them by
/// ``sampleOffset`` and ``sampleCount`` without touching any array or string per frame.
public struct PromptHandle: Hashable, Sendable, CustomStringConvertible {
    /// How the file was found, in the order of the lookup chain.
    public enum Resolution: Hashable, Sendable {
        /// In the requested language's directory.
        case requestedLanguage
        /// In the directory of its base language (`ru` for `ru-RU`).
        case baseLanguage
        /// In the directory of one of the configured fallback languages.
        case fallbackLanguage
        /// In the root, as a language-neutral prompt.
        case languageNeutral
    }

    /// The prompt id (`digits/7`).
    public let id: String
    /// The language whose directory held the file (`ru`, also when the directory is `ru_RU_f_IvrvoiceRU`),
    /// or nil for a language-neutral file.
    public let language: String?
    /// How the file was found.
    public let resolution: Resolution
    /// The file the samples were decoded from.
    public let path: String
    /// The first sample in the library's buffer.
    public let sampleOffset: Int
    /// The number of samples, at ``PromptLibrary/sampleRate``.
    public let sampleCount: Int
    /// The library the samples belong to (``PromptLibrary/identifier``).
    public let libraryIdentifier: UInt64

    /// The duration in milliseconds, rounded down.
    public var durationMilliseconds: Int { sampleCount * 1000 / PromptLibrary.sampleRate }

    public var description: String {
        "\(id) [\(language ?? "neutral")] \(path) (\(sampleCount) samples)"
    }
}
