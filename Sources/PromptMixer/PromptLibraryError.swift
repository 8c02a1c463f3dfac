import MediaCodecs

/// A failure to load a prompt library: the code, the file or directory, and what is wrong.
///
/// A prompt that is simply missing is not an error (``PromptLibrary/missing`` lists it); a file that
/// exists and cannot be decoded is. ``exitStatus`` gives the `sysexits.h` value for a command-line tool.
public struct PromptLibraryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Hashable, Sendable, CaseIterable {
        /// `prompts.root` does not exist or is not a directory (`EX_NOINPUT`, 66).
        case rootNotFound
        /// A prompt file exists but is not audio the reader can decode: unknown or corrupt header,
        /// truncated data, a codec libsndfile does not decode (`EX_DATAERR`, 65).
        case corruptFile
        /// A prompt file exists but cannot be opened or read: permissions, an I/O error (`EX_IOERR`, 74).
        case unreadableFile
        /// A requested prompt id or language cannot name a file below the root: empty, absolute,
        /// with an empty, `.` or `..` component, or a language with a `/` (`EX_DATAERR`, 65).
        case invalidRequest
    }

    /// What went wrong.
    public var code: Code
    /// The file or directory concerned (for ``Code-swift.enum/invalidRequest``, the prompt id).
    public var path: String
    /// What is wrong, in a sentence.
    public var message: String
    /// The reader's error, when decoding a file failed.
    public var audioFileError: AudioFileError?

    /// An error with every field given.
    public init(code: Code, path: String, message: String, audioFileError: AudioFileError? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.audioFileError = audioFileError
    }

    /// The `sysexits.h` status a command-line tool exits with: 66 (`EX_NOINPUT`) for a missing root,
    /// 65 (`EX_DATAERR`) for a corrupt file or an invalid request, 74 (`EX_IOERR`) for an unreadable file.
    public var exitStatus: Int32 {
        switch code {
        case .rootNotFound: return 66
        case .corruptFile, .invalidRequest: return 65
        case .unreadableFile: return 74
        }
    }

    public var description: String {
        let what: String
        switch code {
        case .rootNotFound: what = "prompt root not found"
        case .corruptFile: what = "corrupt prompt file"
        case .unreadableFile: what = "unreadable prompt file"
        case .invalidRequest: what = "invalid prompt request"
        }
        return "\(path): \(what): \(message)"
    }
}
