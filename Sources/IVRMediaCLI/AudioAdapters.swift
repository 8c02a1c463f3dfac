import ArgumentParser
import DSPCore
import Foundation
import MediaCodecs
import MediaPipeline

extension InputFormat {
    var fileFormat: AudioFileFormat {
        switch self {
        case .wav: return .wav
        case .opus, .ogg: return .opus
        case .sln, .raw: return .pcm16Raw
        case .ul, .ulaw: return .muLawRaw
        case .al, .alaw: return .aLawRaw
        }
    }
}

extension CLIError {
    /// The sysexits status and message for a file error: a missing input is 66, bad data 65, and a
    /// failure to read or write an existing file 74.
    init(_ error: AudioFileError, writing: Bool = false) {
        let status: ExitStatus
        switch error.code {
        case .missingFile, .notReadable: status = writing ? .ioError : .noInput
        case .unsupportedFormat, .corrupt, .truncated: status = .dataError
        case .invalidArgument: status = .usage
        case .readFailed, .writeFailed: status = .ioError
        }
        self.init(status, error.description)
    }
}

/// `--strict`, shared by the commands that read audio files.
struct DamageOptions: ParsableArguments {
    @Flag(
        help: """
            Refuse a damaged input (an Ogg stream cut short, a raw file ending in part of a sample) with \
            status 65 instead of warning and reading the audio before the fault.
            """)
    var strict = false
}

/// A file (or standard input) read in blocks, one array per channel, at 8 kHz unless told otherwise.
struct InputAudio {
    let path: String
    private let reader: AudioFileReader
    private let blockFrameCount = G711.sampleRate

    /// Opens `path`; "-" is standard input, raw signed 16-bit 8 kHz unless `format` names another raw
    /// format. `sampleRate` nil keeps the file's own rate. A file that reads but is damaged is a
    /// warning on standard error, or bad data (65) when `strict`.
    init(path: String, format: InputFormat?, sampleRate: Int? = G711.sampleRate, strict: Bool) throws {
        self.path = path
        do {
            if path == "-" {
                let fileFormat = format?.fileFormat ?? .pcm16Raw
                guard fileFormat.isRaw else {
                    throw CLIError(
                        .usage, "standard input carries raw audio only (sln, ul, al), not \(format!.rawValue)")
                }
                reader = try AudioFileReader(
                    fileDescriptor: STDIN_FILENO, format: fileFormat,
                    outputSampleRate: sampleRate)
            } else {
                reader = try AudioFileReader(path: path, format: format?.fileFormat, outputSampleRate: sampleRate)
            }
        } catch let error as AudioFileError {
            throw CLIError(error)
        }
        if let damage = reader.damage {
            if strict { throw CLIError(.dataError, "\(path): \(damage)") }
            StandardError.write("ivrmedia: warning: \(path): \(damage)\n")
        }
    }

    var channelCount: Int { reader.channelCount }
    var sampleRate: Int { reader.sampleRate }
    /// Frames to expect in all, when the length is known.
    var estimatedFrameCount: Int? { reader.frameCount }

    /// The next block, or nil at the end.
    mutating func next() throws -> [[Int16]]? {
        do {
            let block = try reader.readChannels(maximumFrameCount: blockFrameCount)
            guard let first = block.first, !first.isEmpty else { return nil }
            return block
        } catch {
            throw CLIError(error)
        }
    }
}

/// Writes mono audio in the format of the path's extension.
enum AudioOutput {
    static func format(for path: String, encoding: OutputEncoding?) throws -> AudioFileFormat {
        guard let format = AudioFileFormat(path: path) else {
            throw CLIError(
                .usage,
                "\(path): the extension names no format to write (.wav, .sln, .raw, .ul, "
                    + ".ulaw, .al, .alaw, .opus)")
        }
        guard let encoding else { return format }
        guard format == .wav || format == .wavMuLaw || format == .wavALaw else {
            throw CLIError(.usage, "\(path): --encoding applies to .wav outputs only")
        }
        switch encoding {
        case .pcm16: return .wav
        case .ulaw: return .wavMuLaw
        case .alaw: return .wavALaw
        }
    }

    /// Creates `path` for mono audio in `format`, to be written block by block; an output that cannot
    /// be created is 74.
    static func open(_ path: String, format: AudioFileFormat, sampleRate: Int) throws -> AudioFileWriter {
        do {
            return try AudioFileWriter(path: path, format: format, sampleRate: sampleRate)
        } catch {
            throw CLIError(error, writing: true)
        }
    }

    /// Writes a block of mono samples; a failure is 74.
    static func write(_ samples: ArraySlice<Int16>, to writer: AudioFileWriter) throws {
        do {
            try samples.withUnsafeBufferPointer { buffer throws(AudioFileError) in try writer.write(buffer) }
        } catch {
            throw CLIError(error, writing: true)
        }
    }

    /// Finishes the file (the WAV header's sizes, the last Opus page); a failure is 74.
    static func close(_ writer: AudioFileWriter) throws {
        do {
            try writer.close()
        } catch {
            throw CLIError(error, writing: true)
        }
    }

    static func write(_ samples: [Int16], sampleRate: Int, to path: String, encoding: OutputEncoding?) throws {
        let fileFormat = try format(for: path, encoding: encoding)
        do {
            try AudioFile.write(
                DecodedAudio(sampleRate: sampleRate, channels: [samples]), to: path,
                format: fileFormat)
        } catch {
            throw CLIError(error, writing: true)
        }
    }
}
