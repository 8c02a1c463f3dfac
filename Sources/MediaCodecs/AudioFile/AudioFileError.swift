/// A failure to read or write an audio file, with the path and the diagnosis of libsndfile (or of the
/// system call that failed).
///
/// The codes are chosen so that a command-line tool can map them to `sysexits.h` values without
/// looking at messages: ``Code-swift.enum/missingFile`` and ``Code-swift.enum/notReadable`` are
/// `EX_NOINPUT` (66); ``Code-swift.enum/unsupportedFormat``, ``Code-swift.enum/corrupt`` and
/// ``Code-swift.enum/truncated`` are `EX_DATAERR` (65); ``Code-swift.enum/readFailed`` and
/// ``Code-swift.enum/writeFailed`` are `EX_IOERR` (74); ``Code-swift.enum/invalidArgument`` is a
/// usage error (64).
public struct AudioFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Hashable, Sendable, CaseIterable {
        /// The path does not exist (checked before libsndfile is asked anything).
        case missingFile
        /// The path exists but cannot be opened for reading (permissions, a directory).
        case notReadable
        /// The format is not one this project handles: an unknown extension with no `format` given,
        /// or an encoding libsndfile cannot decode (`SF_ERR_UNSUPPORTED_ENCODING`).
        case unsupportedFormat
        /// The content is not what the format says: unrecognised or malformed header, corrupt stream
        /// (`SF_ERR_UNRECOGNISED_FORMAT`, `SF_ERR_MALFORMED_FILE` and libsndfile's per-format errors).
        case corrupt
        /// The header promises more audio than the file holds (a WAV `data` chunk cut short).
        case truncated
        /// Reading failed after the file was opened (an I/O error, or a decoding error mid-stream).
        case readFailed
        /// Creating, writing, flushing or closing the output failed (`ENOSPC`, `EACCES`, a missing
        /// directory, ...).
        case writeFailed
        /// An argument is out of range: a sample rate or channel count the format cannot carry (Opus at
        /// 44.1 kHz), a raw rate of 0, interleaved data that is not whole frames.
        case invalidArgument
    }

    /// What went wrong.
    public var code: Code
    /// The file (or `"<fd N>"` for a file descriptor).
    public var path: String
    /// The diagnosis: libsndfile's `sf_strerror`, the system's `strerror`, or a sentence of ours.
    public var message: String
    /// libsndfile's error number (`sf_error`), when libsndfile reported the failure.
    public var sndfileCode: Int32?
    /// The `errno` of the failed system call, when one failed.
    public var systemErrorNumber: Int32?

    /// An error with every field given.
    public init(
        code: Code, path: String, message: String, sndfileCode: Int32? = nil, systemErrorNumber: Int32? = nil
    ) {
        self.code = code
        self.path = path
        self.message = message
        self.sndfileCode = sndfileCode
        self.systemErrorNumber = systemErrorNumber
    }

    public var description: String {
        let what: String
        switch code {
        case .missingFile: what = "no such file"
        case .notReadable: what = "cannot open"
        case .unsupportedFormat: what = "unsupported format"
        case .corrupt: what = "corrupt or unrecognised audio"
        case .truncated: what = "truncated audio"
        case .readFailed: what = "read failed"
        case .writeFailed: what = "write failed"
        case .invalidArgument: what = "invalid argument"
        }
        return "\(path): \(what): \(message)"
    }
}
