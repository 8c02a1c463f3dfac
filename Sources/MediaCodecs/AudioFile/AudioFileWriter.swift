import CSndfile
import DSPCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes 16-bit samples to an audio file through libsndfile: WAV (PCM16, µ-law, A-law), the headerless
/// Asterisk formats and Ogg Opus.
///
/// ```swift
/// let writer = try AudioFileWriter(path: "out/prompt.ulaw")   // format from the extension, 8 kHz mono
/// try writer.write(interleaved: samples)
/// try writer.close()   // reports errors that deinit would have to swallow
/// ```
///
/// G.711 samples are encoded with `DSPCore.G711` (bit-exact with ITU-T G.191) and written as bytes, not
/// with libsndfile's own encoder, which negates negative samples instead of taking their one's
/// complement and so differs from G.191 on 127 of the 65536 inputs per law.
///
/// Ogg Opus is written by libsndfile's encoder at 8, 12, 16, 24 or 48 kHz; `compressionLevel`
/// (0 = best quality ... 1 = smallest, libsndfile's `SFC_SET_COMPRESSION_LEVEL`) trades size for quality.
///
/// Thread safety: `@unchecked Sendable` because it owns a `SNDFILE*`; an instance is confined to one
/// thread at a time.
public final class AudioFileWriter: @unchecked Sendable {
    /// The file path, or `"<fd N>"`.
    public let path: String
    /// The format written.
    public let format: AudioFileFormat
    /// The sample rate in Hz.
    public let sampleRate: Int
    /// The number of interleaved channels.
    public let channelCount: Int
    /// Frames written so far.
    public private(set) var framesWritten = 0

    private let handle: SoundFileHandle
    /// G.711 codes on their way to the file.
    private var codes: [UInt8]

    /// Creates (or truncates) `path` and writes its header.
    ///
    /// - Parameters:
    ///   - format: overrides the format the extension names.
    ///   - sampleRate: in Hz (8000 for telephony). Opus takes 8000, 12000, 16000, 24000 or 48000.
    ///   - channelCount: interleaved channels.
    ///   - compressionLevel: for Opus, 0 (best) ... 1 (smallest); nil keeps libsndfile's default.
    /// - Throws: `.unsupportedFormat` for an unknown extension, `.invalidArgument` for a rate or channel
    ///   count the format cannot carry, `.writeFailed` when the file cannot be created or written.
    public convenience init(
        path: String, format: AudioFileFormat? = nil, sampleRate: Int = G711.sampleRate, channelCount: Int = 1,
        compressionLevel: Double? = nil
    ) throws(AudioFileError) {
        guard let format = format ?? AudioFileFormat(path: path) else {
            let ext = AudioFileFormat.fileExtension(of: path).map { "extension .\($0)" } ?? "no extension"
            throw AudioFileError(
                code: .unsupportedFormat, path: path,
                message: "\(ext) names no supported format (wav, sln, ulaw, alaw, opus); give the format")
        }
        try Self.validate(format: format, sampleRate: sampleRate, channelCount: channelCount, path: path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            let number = errno
            throw AudioFileError(
                code: .writeFailed, path: path, message: systemErrorMessage(number), systemErrorNumber: number)
        }
        try self.init(
            descriptor: descriptor, ownsDescriptor: true, path: path, format: format, sampleRate: sampleRate,
            channelCount: channelCount, compressionLevel: compressionLevel)
    }

    /// Writes to an open file descriptor (standard output, a pipe). Headerless formats and Ogg Opus
    /// stream; WAV needs a seekable file to fill in its header at the end.
    ///
    /// - Parameter closeWhenDone: whether the writer closes `descriptor` when it is closed.
    public convenience init(
        fileDescriptor descriptor: Int32, format: AudioFileFormat = .pcm16Raw, sampleRate: Int = G711.sampleRate,
        channelCount: Int = 1, compressionLevel: Double? = nil, closeWhenDone: Bool = false
    ) throws(AudioFileError) {
        let path = "<fd \(descriptor)>"
        try Self.validate(format: format, sampleRate: sampleRate, channelCount: channelCount, path: path)
        try self.init(
            descriptor: descriptor, ownsDescriptor: closeWhenDone, path: path, format: format,
            sampleRate: sampleRate, channelCount: channelCount, compressionLevel: compressionLevel)
    }

    private init(
        descriptor: Int32, ownsDescriptor: Bool, path: String, format: AudioFileFormat, sampleRate: Int,
        channelCount: Int, compressionLevel: Double?
    ) throws(AudioFileError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channelCount)
        info.format = format.sndfileWriteFormat
        guard sf_format_check(&info) != 0 else {
            if ownsDescriptor { _ = closeDescriptor(descriptor) }
            throw AudioFileError(
                code: .invalidArgument, path: path,
                message: "libsndfile cannot write \(format.rawValue) at \(sampleRate) Hz × \(channelCount)")
        }
        let handle: SoundFileHandle
        switch SoundFileHandle.open(
            descriptor: descriptor, mode: Int32(SFM_WRITE), info: info, ownsDescriptor: ownsDescriptor)
        {
        case .success(let opened): handle = opened
        case .failure(let failure):
            throw AudioFileError(
                code: failure.code == Int32(SF_ERR_SYSTEM) ? .writeFailed : .invalidArgument, path: path,
                message: failure.message, sndfileCode: failure.code)
        }
        if let compressionLevel, let file = handle.file {
            var level = min(1, max(0, compressionLevel))
            _ = sf_command(file, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        }
        self.handle = handle
        self.path = path
        self.format = format
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        codes = format.law == nil ? [] : [UInt8](repeating: 0, count: 4096 * channelCount)
    }

    deinit {
        handle.close()
    }

    // MARK: - Writing

    /// Writes interleaved frames (`samples.count` must be a multiple of `channelCount`).
    ///
    /// - Throws: `.writeFailed` (with libsndfile's message) when fewer frames were written;
    ///   `.invalidArgument` for a partial frame or a closed writer.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws(AudioFileError) {
        guard samples.count % channelCount == 0 else {
            throw AudioFileError(
                code: .invalidArgument, path: path,
                message: "\(samples.count) samples are not whole frames of \(channelCount) channels")
        }
        guard let file = handle.file else {
            throw AudioFileError(code: .invalidArgument, path: path, message: "the writer is closed")
        }
        guard let base = samples.baseAddress, !samples.isEmpty else { return }
        let frameCount = samples.count / channelCount
        if let law = format.law {
            // Encode with G.191-exact G.711 and write the codes as they are.
            var start = 0
            let chunk = codes.count
            while start < samples.count {
                let count = min(chunk, samples.count - start)
                let written = codes.withUnsafeMutableBufferPointer { codes -> Int in
                    G711.encode(
                        UnsafeBufferPointer(start: base + start, count: count),
                        into: UnsafeMutableBufferPointer(rebasing: codes[0..<count]), law: law)
                    return Int(sf_write_raw(file, codes.baseAddress, sf_count_t(count)))
                }
                guard written == count else { throw writeError() }
                start += count
            }
        } else {
            let written = Int(sf_writef_short(file, base, sf_count_t(frameCount)))
            guard written == frameCount else { throw writeError() }
        }
        framesWritten += frameCount
    }

    /// Writes interleaved frames held in an array.
    public func write(interleaved samples: [Int16]) throws(AudioFileError) {
        var failure: AudioFileError?
        samples.withUnsafeBufferPointer { buffer in
            do throws(AudioFileError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes one array per channel (all the same length), interleaving them.
    public func write(channels: [[Int16]]) throws(AudioFileError) {
        guard channels.count == channelCount, let frameCount = channels.first?.count,
            channels.allSatisfy({ $0.count == frameCount })
        else {
            throw AudioFileError(
                code: .invalidArgument, path: path,
                message: "expected \(channelCount) channels of equal length, got \(channels.map(\.count))")
        }
        var interleaved = [Int16](repeating: 0, count: frameCount * channelCount)
        for (channel, samples) in channels.enumerated() {
            for frame in 0..<frameCount { interleaved[frame * channelCount + channel] = samples[frame] }
        }
        try write(interleaved: interleaved)
    }

    /// Finishes the file (header sizes, last Opus page) and closes it; reports what `deinit` could not.
    ///
    /// - Throws: `.writeFailed` when libsndfile or `close(2)` fails.
    public func close() throws(AudioFileError) {
        let result = handle.close()
        if let failure = result.sndfile {
            throw AudioFileError(code: .writeFailed, path: path, message: failure.message, sndfileCode: failure.code)
        }
        if let number = result.systemErrorNumber {
            throw AudioFileError(
                code: .writeFailed, path: path, message: systemErrorMessage(number), systemErrorNumber: number)
        }
    }

    // MARK: - Private

    private func writeError() -> AudioFileError {
        let failure = handle.failure
        return AudioFileError(code: .writeFailed, path: path, message: failure.message, sndfileCode: failure.code)
    }

    private static func validate(format: AudioFileFormat, sampleRate: Int, channelCount: Int, path: String)
        throws(AudioFileError)
    {
        guard sampleRate > 0, sampleRate <= 1_000_000, channelCount > 0, channelCount <= 1024 else {
            throw AudioFileError(
                code: .invalidArgument, path: path,
                message: "\(sampleRate) Hz × \(channelCount) channels is out of range")
        }
        if format == .opus, !OpusFrameDecoder.supportedSampleRates.contains(sampleRate) {
            throw AudioFileError(
                code: .invalidArgument, path: path,
                message: "Opus only supports sample rates of 8000, 12000, 16000, 24000 and 48000 Hz, not \(sampleRate)")
        }
    }
}
