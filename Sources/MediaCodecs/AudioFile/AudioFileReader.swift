import CSndfile
import DSPCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads an audio file as 16-bit samples through libsndfile, optionally converted to another sample
/// rate (usually 8000 Hz) on the way.
///
/// ```swift
/// let reader = try AudioFileReader(path: "prompts/welcome.wav", outputSampleRate: 8000)
/// var block = [Int16](repeating: 0, count: 1600 * reader.channelCount)
/// while true {
///     let frameCount = try block.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
///     if frameCount == 0 { break }
///     showProgress(reader.progress)
/// }
/// ```
///
/// **Formats.** See ``AudioFileFormat``: the format comes from the `format` argument, else from the path's
/// extension. Header formats (WAV, Ogg) are then recognised by libsndfile from their content; headerless
/// formats take their rate and channel count from `raw` (default 8000 Hz mono; Asterisk's `.sln16`-style
/// extensions set the rate).
///
/// **Rates.** When `outputSampleRate` differs from the file's rate, samples go through one
/// ``DSPCore/Resampler`` per channel (passband to 0.875 × the lower Nyquist frequency, 80 dB stop-band);
/// the output is time-aligned with the input and has ⌈frames × out / in⌉ frames. An Ogg Opus file is
/// instead decoded by libopus directly at the requested rate when it is one of 8, 12, 16, 24 or 48 kHz
/// (`SFC_SET_ORIGINAL_SAMPLERATE`), so no resampler runs.
///
/// **Errors.** A missing path is reported as `.missingFile` before libsndfile is called, so it is never
/// confused with an unreadable or corrupt file. A WAV file whose `data` chunk promises more than the file
/// holds is `.truncated` (libsndfile itself would quietly read what is there).
///
/// Reading allocates nothing per call in ``read(into:)``; the buffers for resampling are allocated at init.
/// Files are read on a control thread (prompts are decoded at load, never on the audio thread).
///
/// Thread safety: `@unchecked Sendable` because it owns a `SNDFILE*`; an instance is confined to one
/// thread at a time.
public final class AudioFileReader: @unchecked Sendable {
    /// How to interpret a headerless file.
    public struct RawParameters: Hashable, Sendable {
        /// The sample rate in Hz.
        public var sampleRate: Int
        /// The number of interleaved channels.
        public var channelCount: Int

        /// 8000 Hz mono unless told otherwise, as Asterisk prompt files are.
        public init(sampleRate: Int = G711.sampleRate, channelCount: Int = 1) {
            self.sampleRate = sampleRate
            self.channelCount = channelCount
        }
    }

    /// The file path, or `"<fd N>"`.
    public let path: String
    /// The format the file was opened as.
    public let format: AudioFileFormat
    /// libsndfile's `SF_FORMAT_*` value for what it found (container | encoding).
    public let sndfileFormat: Int32
    /// The rate the file is decoded at before any resampling, in Hz.
    public let fileSampleRate: Int
    /// The rate of the samples ``read(into:)`` returns, in Hz.
    public let sampleRate: Int
    /// The number of channels (interleaved in ``read(into:)``).
    public let channelCount: Int
    /// The length of the file in frames at ``fileSampleRate``, or nil when unknown (a pipe).
    public let fileFrameCount: Int?
    /// Frames consumed from the file so far, at ``fileSampleRate`` (for progress).
    public private(set) var fileFramesRead = 0
    /// What is wrong with a file that still reads: an Ogg stream cut short (it stops without its
    /// end-of-stream page, or inside a page), a raw file whose length is not whole samples. The audio
    /// before the fault is read; a caller decides whether that is good enough. Nil for a sound file.
    public private(set) var damage: String?

    private let handle: SoundFileHandle
    private var resamplers: [Resampler]
    /// Interleaved frames read from the file, when resampling.
    private var sourceBlock: [Int16]
    /// One channel of `sourceBlock`.
    private var channelBlock: [Int16]
    /// Resampled frames per channel not yet returned.
    private var pending: [[Int16]]
    private var pendingStart = 0
    private var pendingCount = 0
    private var reachedEnd = false

    /// Frames read from the file per refill when resampling.
    private static let blockFrameCount = 1024

    // MARK: - Opening

    /// Opens `path` for reading.
    ///
    /// - Parameters:
    ///   - format: overrides the format the extension names (the CLI's `--format`).
    ///   - outputSampleRate: the rate to deliver; nil keeps the file's own.
    ///   - raw: rate and channels of a headerless file; nil means 8000 Hz mono, or the rate an Asterisk
    ///     `.slnNN` extension names.
    /// - Throws: `.missingFile`, `.notReadable`, `.unsupportedFormat` (unknown extension),
    ///   `.corrupt`, `.truncated`, `.invalidArgument`.
    public convenience init(
        path: String, format: AudioFileFormat? = nil, outputSampleRate: Int? = nil, raw: RawParameters? = nil
    ) throws(AudioFileError) {
        var status = stat()
        if stat(path, &status) != 0 {
            let number = errno
            let code: AudioFileError.Code = number == ENOENT || number == ENOTDIR ? .missingFile : .notReadable
            throw AudioFileError(
                code: code, path: path, message: systemErrorMessage(number), systemErrorNumber: number)
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            throw AudioFileError(
                code: .notReadable, path: path, message: systemErrorMessage(EISDIR), systemErrorNumber: EISDIR)
        }
        guard let format = format ?? AudioFileFormat(path: path) else {
            let ext = AudioFileFormat.fileExtension(of: path).map { "extension .\($0)" } ?? "no extension"
            throw AudioFileError(
                code: .unsupportedFormat, path: path,
                message: "\(ext) names no supported format (wav, sln, ulaw, alaw, opus); give the format")
        }
        var raw = raw ?? RawParameters()
        if raw == RawParameters(), format == .pcm16Raw, let ext = AudioFileFormat.fileExtension(of: path),
            let rate = AudioFileFormat.slinearSampleRate(fileExtension: ext)
        {
            raw.sampleRate = rate
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let number = errno
            throw AudioFileError(
                code: number == ENOENT ? .missingFile : .notReadable, path: path,
                message: systemErrorMessage(number), systemErrorNumber: number)
        }
        try self.init(
            descriptor: descriptor, ownsDescriptor: true, path: path, format: format,
            outputSampleRate: outputSampleRate, raw: raw)
        if format == .opus {
            damage = Self.oggDamage(path: path)
        } else if format.isRaw {
            let frameBytes = (format == .pcm16Raw ? 2 : 1) * raw.channelCount
            let stray = Int(status.st_size) % frameBytes
            if stray > 0 {
                damage = "the raw file ends with \(stray) byte\(stray == 1 ? "" : "s") that make\(stray == 1 ? "s" : "") no whole sample"
            }
        }
    }

    /// Walks the Ogg pages of `path` by their headers: the stream must end exactly at the end of a page
    /// that carries the end-of-stream flag. libsndfile reads up to the last whole page without a word,
    /// so a file cut mid-stream would otherwise pass for a shorter recording.
    static func oggDamage(path: String) -> String? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        guard let size = try? file.seekToEnd() else { return nil }
        var offset: UInt64 = 0
        var endOfStream = false
        while offset < size {
            try? file.seek(toOffset: offset)
            let header = [UInt8](file.readData(ofLength: 27))
            guard header.count == 27, header[0...3].elementsEqual("OggS".utf8) else {
                return "the Ogg stream stops at byte \(offset) of \(size): what follows is not an Ogg page"
            }
            let segments = [UInt8](file.readData(ofLength: Int(header[26])))
            let length = UInt64(27 + Int(header[26]) + segments.reduce(0) { $0 + Int($1) })
            guard segments.count == Int(header[26]), offset + length <= size else {
                return "the Ogg stream is cut short inside the page at byte \(offset) of \(size)"
            }
            endOfStream = header[5] & 0x04 != 0
            offset += length
        }
        return endOfStream ? nil : "the Ogg stream stops at byte \(size) without its end-of-stream page (cut short)"
    }

    /// Reads from an open file descriptor: standard input (`0`) carrying raw 16-bit 8 kHz audio, a pipe,
    /// a socket. Headerless formats work on pipes; header formats may need a seekable file.
    ///
    /// - Parameter closeWhenDone: whether the reader closes `descriptor` when it is deallocated.
    public convenience init(
        fileDescriptor descriptor: Int32, format: AudioFileFormat = .pcm16Raw, outputSampleRate: Int? = nil,
        raw: RawParameters = RawParameters(), closeWhenDone: Bool = false
    ) throws(AudioFileError) {
        try self.init(
            descriptor: descriptor, ownsDescriptor: closeWhenDone, path: "<fd \(descriptor)>", format: format,
            outputSampleRate: outputSampleRate, raw: raw)
    }

    /// Reads from a `FileHandle` (for instance `FileHandle.standardInput`), which stays open.
    public convenience init(
        fileHandle: FileHandle, format: AudioFileFormat = .pcm16Raw, outputSampleRate: Int? = nil,
        raw: RawParameters = RawParameters()
    ) throws(AudioFileError) {
        try self.init(
            fileDescriptor: fileHandle.fileDescriptor, format: format, outputSampleRate: outputSampleRate, raw: raw,
            closeWhenDone: false)
    }

    /// The sample rates read: from below narrowband telephony to the highest rate of studio audio. A
    /// header outside them is corrupt, not a file to resample.
    public static let sampleRates = 4000...384_000
    /// The channel counts read.
    public static let channelCounts = 1...1024

    private init(
        descriptor: Int32, ownsDescriptor: Bool, path: String, format: AudioFileFormat, outputSampleRate: Int?,
        raw: RawParameters
    ) throws(AudioFileError) {
        var info = SF_INFO()
        if format.isRaw {
            guard Self.sampleRates.contains(raw.sampleRate), Self.channelCounts.contains(raw.channelCount) else {
                if ownsDescriptor { _ = closeDescriptor(descriptor) }
                throw AudioFileError(
                    code: .invalidArgument, path: path,
                    message:
                        "raw audio needs a rate of 4,000 to 384,000 Hz and 1 to 1,024 channels, not \(raw.sampleRate) Hz × \(raw.channelCount)"
                )
            }
            info.samplerate = Int32(raw.sampleRate)
            info.channels = Int32(raw.channelCount)
            info.format = format.sndfileWriteFormat
        }
        if let outputSampleRate, !Self.sampleRates.contains(outputSampleRate) {
            if ownsDescriptor { _ = closeDescriptor(descriptor) }
            throw AudioFileError(
                code: .invalidArgument, path: path, message: "output sample rate \(outputSampleRate) Hz is out of range"
            )
        }
        let handle: SoundFileHandle
        switch SoundFileHandle.open(
            descriptor: descriptor, mode: Int32(SFM_READ), info: info, ownsDescriptor: ownsDescriptor)
        {
        case .success(let opened): handle = opened
        case .failure(let failure): throw Self.openError(failure, path: path, format: format)
        }

        let container = handle.info.format & Int32(SF_FORMAT_TYPEMASK)
        let encoding = handle.info.format & Int32(SF_FORMAT_SUBMASK)
        // Decode Opus directly at the wanted rate when libopus can.
        if container == Int32(SF_FORMAT_OGG), encoding == Int32(SF_FORMAT_OPUS), let outputSampleRate,
            OpusFrameDecoder.supportedSampleRates.contains(outputSampleRate),
            Int(handle.info.samplerate) != outputSampleRate, let file = handle.file
        {
            if csndfile_set_original_samplerate(file, Int32(outputSampleRate)) == 1 {
                var current = SF_INFO()
                if csndfile_get_current_info(file, &current) == 0 { handle.info = current }
            }
        }
        if container == Int32(SF_FORMAT_WAV) || container == Int32(SF_FORMAT_WAVEX),
            let problem = Self.truncation(inLog: handle.log)
        {
            throw AudioFileError(code: .truncated, path: path, message: problem)
        }
        // The header's rate and channel count are claims: bounded before they size a filter or a buffer.
        guard Self.channelCounts.contains(Int(handle.info.channels)) else {
            throw AudioFileError(
                code: .corrupt, path: path,
                message: "the header claims \(handle.info.channels) channels (1 to 1,024 are read)")
        }
        guard Self.sampleRates.contains(Int(handle.info.samplerate)) else {
            throw AudioFileError(
                code: .corrupt, path: path,
                message: "the header claims \(handle.info.samplerate) Hz, a rate no telephone audio has (4,000 to 384,000 Hz are read)")
        }

        self.handle = handle
        self.path = path
        self.format = format
        sndfileFormat = handle.info.format
        channelCount = Int(handle.info.channels)
        fileSampleRate = Int(handle.info.samplerate)
        sampleRate = outputSampleRate ?? fileSampleRate
        let frames = handle.info.frames
        fileFrameCount = frames < 0 || frames >= Int64(Int32.max) * 1024 ? nil : Int(frames)

        if sampleRate != fileSampleRate {
            let filter = ResamplerFilter.shared(inputSampleRate: fileSampleRate, outputSampleRate: sampleRate)
            resamplers = Array(repeating: Resampler(filter: filter), count: channelCount)
            sourceBlock = [Int16](repeating: 0, count: Self.blockFrameCount * channelCount)
            channelBlock = [Int16](repeating: 0, count: Self.blockFrameCount)
            let capacity =
                filter.maximumOutputFrameCount(inputFrameCount: Self.blockFrameCount)
                + filter.maximumOutputFrameCount(inputFrameCount: filter.tapsPerPhase) + 2
            pending = Array(repeating: [Int16](repeating: 0, count: capacity), count: channelCount)
        } else {
            resamplers = []
            sourceBlock = []
            channelBlock = []
            pending = []
        }
    }

    // MARK: - Reading

    /// The length in frames at ``sampleRate`` (after resampling), or nil when unknown.
    public var frameCount: Int? {
        guard let fileFrameCount else { return nil }
        guard let filter = resamplers.first?.filter else { return fileFrameCount }
        return filter.outputFrameCount(inputFrameCount: fileFrameCount)
    }

    /// The fraction of the file consumed so far (0...1), or nil when the length is unknown.
    public var progress: Double? {
        guard let fileFrameCount else { return nil }
        guard fileFrameCount > 0 else { return 1 }
        return min(1, Double(fileFramesRead) / Double(fileFrameCount))
    }

    /// Reads up to `output.count / channelCount` frames, interleaved, and returns the number of frames
    /// read; 0 means the end of the file.
    ///
    /// Allocates nothing.
    ///
    /// - Throws: `.readFailed` when libsndfile reports an error mid-stream.
    public func read(into output: UnsafeMutableBufferPointer<Int16>) throws(AudioFileError) -> Int {
        let capacity = output.count / channelCount
        guard capacity > 0, let base = output.baseAddress else { return 0 }
        guard !resamplers.isEmpty else {
            return try readFile(into: base, frameCount: capacity)
        }
        var written = 0
        while written < capacity {
            if pendingCount == 0 {
                guard try refill() else { break }
                continue
            }
            let count = min(pendingCount, capacity - written)
            for channel in 0..<channelCount {
                pending[channel].withUnsafeBufferPointer { source in
                    for frame in 0..<count {
                        base[(written + frame) * channelCount + channel] = source[pendingStart + frame]
                    }
                }
            }
            written += count
            pendingStart += count
            pendingCount -= count
        }
        return written
    }

    /// Reads up to `maximumFrameCount` frames and returns them one array per channel; the arrays are
    /// empty at the end of the file. Allocates the result.
    public func readChannels(maximumFrameCount: Int) throws(AudioFileError) -> [[Int16]] {
        var interleaved = [Int16](repeating: 0, count: max(0, maximumFrameCount) * channelCount)
        var failure: AudioFileError?
        let frameCount = interleaved.withUnsafeMutableBufferPointer { buffer -> Int in
            do throws(AudioFileError) { return try read(into: buffer) } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return (0..<channelCount).map { channel in
            (0..<frameCount).map { interleaved[$0 * channelCount + channel] }
        }
    }

    /// Reads everything that is left, one array per channel.
    public func readAllChannels() throws(AudioFileError) -> [[Int16]] {
        var channels = [[Int16]](repeating: [], count: channelCount)
        if let frameCount { for index in channels.indices { channels[index].reserveCapacity(frameCount) } }
        while true {
            let block = try readChannels(maximumFrameCount: 8192)
            guard let first = block.first, !first.isEmpty else { break }
            for index in channels.indices { channels[index] += block[index] }
        }
        return channels
    }

    // MARK: - Private

    private func readFile(into base: UnsafeMutablePointer<Int16>, frameCount: Int) throws(AudioFileError) -> Int {
        guard let file = handle.file else { return 0 }
        let count = Int(sf_readf_short(file, base, sf_count_t(frameCount)))
        if count < frameCount, sf_error(file) != 0 {
            let failure = handle.failure
            throw AudioFileError(code: .readFailed, path: path, message: failure.message, sndfileCode: failure.code)
        }
        fileFramesRead += max(0, count)
        return max(0, count)
    }

    /// Reads a block from the file and resamples it into `pending`; at the end of the file, flushes the
    /// resamplers. Returns false when nothing more will come.
    private func refill() throws(AudioFileError) -> Bool {
        guard !reachedEnd else { return false }
        pendingStart = 0
        pendingCount = 0
        var failure: AudioFileError?
        let count = sourceBlock.withUnsafeMutableBufferPointer { block -> Int in
            do throws(AudioFileError) {
                return try readFile(into: block.baseAddress!, frameCount: Self.blockFrameCount)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        if count == 0 { reachedEnd = true }
        for channel in 0..<channelCount {
            var produced = 0
            if count > 0 {
                for frame in 0..<count { channelBlock[frame] = sourceBlock[frame * channelCount + channel] }
                produced = channelBlock.withUnsafeBufferPointer { input in
                    pending[channel].withUnsafeMutableBufferPointer { output in
                        resamplers[channel].process(UnsafeBufferPointer(rebasing: input[0..<count]), into: output)
                    }
                }
            } else {
                produced = pending[channel].withUnsafeMutableBufferPointer { output in
                    resamplers[channel].flush(into: output)
                }
            }
            // Every channel runs the same filter on the same number of frames.
            pendingCount = produced
        }
        return !(reachedEnd && pendingCount == 0)
    }

    /// The error for a file libsndfile would not open, said in terms of the file rather than of
    /// libsndfile's internals; its own text is kept for the per-format diagnoses, which already say
    /// what the header holds.
    static func openError(_ failure: SndfileFailure, path: String, format: AudioFileFormat) -> AudioFileError {
        let name: String
        switch format {
        case .wav, .wavMuLaw, .wavALaw: name = "WAV"
        case .opus: name = "Ogg Opus"
        case .pcm16Raw, .muLawRaw, .aLawRaw: name = "raw"
        }
        let code: AudioFileError.Code
        var message = failure.message
        switch failure.code {
        case Int32(SF_ERR_UNSUPPORTED_ENCODING):
            code = .unsupportedFormat
            message = "the \(name) file holds an encoding this reader does not decode"
        case Int32(SF_ERR_SYSTEM):
            code = .readFailed
        case Int32(SF_ERR_UNRECOGNISED_FORMAT):
            code = .corrupt
            message = "the content is not \(name) audio (its header is not recognised)"
        case Int32(SF_ERR_MALFORMED_FILE):
            code = .corrupt
            message =
                format == .opus
                ? "the Ogg Opus stream is malformed: its pages or Opus headers are broken or cut short"
                : "the \(name) header is malformed"
        default:
            code = .corrupt
            // libsndfile says its SF_INFO is incomplete when the header gives a rate or channel count of 0.
            if failure.message.contains("SF_INFO struct incomplete") {
                message = "the \(name) header gives a sample rate or channel count of 0"
            } else if format == .opus {
                // libsndfile's Ogg errors name its internals ("unimplemented format"), not the file.
                message = "the Ogg stream is malformed or holds no Opus audio"
            }
        }
        return AudioFileError(code: code, path: path, message: message, sndfileCode: failure.code)
    }

    /// libsndfile logs `data : 16000 (should be 7956)` when a WAV `data` chunk claims more bytes than the
    /// file has; it then reads what is there. Streaming writers leave 0 or 0xFFFFFFFF as a placeholder,
    /// which is not a truncation.
    static func truncation(inLog log: String) -> String? {
        for line in log.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("data"), let should = trimmed.range(of: "(should be ") else { continue }
            let declaredText = trimmed[trimmed.index(trimmed.startIndex, offsetBy: 4)..<should.lowerBound]
                .filter(\.isNumber)
            let actualText = trimmed[should.upperBound...].prefix { $0.isNumber }
            guard let declared = Int(declaredText), let actual = Int(actualText) else { continue }
            if declared > actual, declared < 0x7FFF_FFFF {
                return "the data chunk declares \(declared) bytes but the file holds \(actual)"
            }
        }
        return nil
    }
}
