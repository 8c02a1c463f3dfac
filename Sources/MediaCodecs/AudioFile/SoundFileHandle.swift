import CSndfile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one owner of a `SNDFILE*` and of the file descriptor under it; both are closed in `deinit`
/// unless ``close()`` was called first.
///
/// Thread safety: `@unchecked Sendable` because libsndfile handles have no locking; the reader or writer
/// that owns this handle confines it to one thread at a time.
final class SoundFileHandle: @unchecked Sendable {
    /// The libsndfile handle; nil once closed.
    private(set) var file: OpaquePointer?
    /// The descriptor under it, closed after `sf_close` when `ownsDescriptor`.
    let descriptor: Int32
    let ownsDescriptor: Bool
    /// The stream as libsndfile describes it (updated after `SFC_SET_ORIGINAL_SAMPLERATE`).
    var info: SF_INFO

    /// Opens `descriptor` with libsndfile. On failure the descriptor is closed when `ownsDescriptor`,
    /// and the libsndfile error number and message are returned instead.
    static func open(descriptor: Int32, mode: Int32, info: SF_INFO, ownsDescriptor: Bool)
        -> Result<SoundFileHandle, SndfileFailure>
    {
        var info = info
        // close_desc = 0: the descriptor is ours, closed after sf_close (or here on failure).
        guard let file = sf_open_fd(descriptor, mode, &info, 0) else {
            let failure = SndfileFailure(code: sf_error(nil), message: String(cString: sf_strerror(nil)))
            if ownsDescriptor { _ = closeDescriptor(descriptor) }
            return .failure(failure)
        }
        return .success(SoundFileHandle(file: file, descriptor: descriptor, ownsDescriptor: ownsDescriptor, info: info))
    }

    private init(file: OpaquePointer, descriptor: Int32, ownsDescriptor: Bool, info: SF_INFO) {
        self.file = file
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.info = info
    }

    deinit { _ = close() }

    /// libsndfile's current error number and message for this handle.
    var failure: SndfileFailure {
        SndfileFailure(code: sf_error(file), message: String(cString: sf_strerror(file)))
    }

    /// The text libsndfile logged while parsing the header (`SFC_GET_LOG_INFO`).
    var log: String {
        guard let file else { return "" }
        var buffer = [CChar](repeating: 0, count: 8192)
        let length = buffer.withUnsafeMutableBytes { bytes in
            sf_command(file, Int32(SFC_GET_LOG_INFO), bytes.baseAddress, Int32(bytes.count - 1))
        }
        guard length > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Closes the file and then the descriptor; returns the libsndfile failure or the `errno` of
    /// `close(2)`, if either failed. Closing twice does nothing.
    @discardableResult
    func close() -> (sndfile: SndfileFailure?, systemErrorNumber: Int32?) {
        guard let file else { return (nil, nil) }
        self.file = nil
        let status = sf_close(file)
        let sndfileFailure =
            status == 0 ? nil : SndfileFailure(code: status, message: String(cString: sf_error_number(status)))
        var systemError: Int32?
        if ownsDescriptor, closeDescriptor(descriptor) != 0 { systemError = errno }
        return (sndfileFailure, systemError)
    }
}

/// A libsndfile error number with its message.
struct SndfileFailure: Error {
    var code: Int32
    var message: String
}

/// The message for an `errno` value.
func systemErrorMessage(_ number: Int32) -> String {
    String(cString: strerror(number))
}

/// `close(2)`, named so that it does not clash with the methods called `close`.
func closeDescriptor(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
        return Glibc.close(descriptor)
    #else
        return Darwin.close(descriptor)
    #endif
}
