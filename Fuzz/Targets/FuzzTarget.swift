import Foundation
import IVRCalendar
import IVRConfiguration
import MediaCodecs
import MediaPipeline

/// The parsers that read what anyone can send or write: one fuzz target each. A target takes one input
/// of bytes and runs the project's own parser on it; every failure it may give is a thrown error, so a
/// trap, a hang or a leak is a finding.
///
/// The same function serves the libFuzzer driver (Fuzz/Sources/ivrmedia-fuzz, `make fuzz`) and the
/// suite's replay of the committed corpora (Tests/FuzzTargetsTests), so a finding stays a test.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The audio file reader on a file of the bytes, as WAV, as raw 16-bit and as Ogg Opus.
    case audioWAV = "audio-wav"
    case audioRaw = "audio-raw"
    case audioOgg = "audio-ogg"
    /// Opus packets into the frame decoder, with losses and FEC recovery.
    case opus
    /// A YAML menu: loading and validation.
    case menu
    /// Digit patterns and regex routes, each matched against digit strings.
    case patterns
    /// Schedule and holiday parsing: days, time windows, dates, date ranges, time zones.
    case schedule
    /// One line of the control channel.
    case control

    /// Runs the target on one input.
    public func run(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .audioWAV: Self.readAudio(data, fileExtension: "wav")
        case .audioRaw: Self.readAudio(data, fileExtension: "sln")
        // Ogg Opus always decodes at 48 kHz, so its resampling to 8 kHz is one fixed filter (the resampler's
        // own tests sweep it); read at 48 kHz, the target spends its time in the pages and packets.
        case .audioOgg: Self.readAudio(data, fileExtension: "opus", outputSampleRate: nil)
        case .opus: Self.decodeOpus(data)
        case .menu: _ = try? MenuConfiguration.parse(String(decoding: data, as: UTF8.self), path: "fuzz.yaml")
        case .patterns: Self.matchPatterns(data)
        case .schedule: Self.parseSchedule(data)
        case .control:
            _ = try? ControlMessage(parsing: String(decoding: data, as: UTF8.self), lineIDs: ["fxo0", "fxo1"])
        }
    }

    /// The input, one line per item, as text (the parsers of patterns and schedules take one item each).
    private static func lines(_ data: UnsafeRawBufferPointer) -> [String] {
        String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    // MARK: - Audio files

    /// The most frames read from one input (0.5 s at 8 kHz, four of the reader's blocks): the reader
    /// streams, so a header that claims more than the file holds must end in an error or a short read,
    /// never in work or memory sized by the claim. A few kilobytes of Opus can hold minutes of audio
    /// (120 ms a packet of a byte or two); reading it all would spend the run resampling, not parsing.
    private static let audioFrameLimit = 1 << 12

    private static func readAudio(
        _ data: UnsafeRawBufferPointer, fileExtension: String, outputSampleRate: Int? = 8000
    ) {
        let path = NSTemporaryDirectory() + "ivrmedia-fuzz-\(getpid()).\(fileExtension)"
        guard FileManager.default.createFile(atPath: path, contents: Data(data)) else { return }
        defer { unlink(path) }
        guard let reader = try? AudioFileReader(path: path, outputSampleRate: outputSampleRate) else { return }
        var block = [Int16](repeating: 0, count: 4096 * max(reader.channelCount, 1))
        var frames = 0
        while frames < audioFrameLimit {
            let read = block.withUnsafeMutableBufferPointer { try? reader.read(into: $0) }
            guard let read, read > 0 else { break }
            frames += read
        }
    }

    // MARK: - Opus packets

    /// Each packet is a length byte and that many bytes. A length byte with its top bit set marks the
    /// packet as lost: the gap is concealed, or, when the next bit is set too, rebuilt from the next
    /// packet's FEC data.
    private static func decodeOpus(_ data: UnsafeRawBufferPointer) {
        guard let decoder = try? OpusFrameDecoder(sampleRate: 8000, channelCount: 1) else { return }
        var output = [Int16](repeating: 0, count: decoder.maximumFrameCount)
        var offset = 0
        while offset < data.count {
            let header = data[offset]
            offset += 1
            let length = min(Int(header & 0x3f) * 4, data.count - offset)
            let packet = UnsafeRawBufferPointer(rebasing: data[offset..<(offset + length)])
            offset += length
            output.withUnsafeMutableBufferPointer { output in
                switch header >> 6 {
                case 2: _ = try? decoder.conceal(frameCount: 160, into: output)
                case 3: _ = try? decoder.recover(fromNext: packet, frameCount: 160, into: output)
                default: _ = try? decoder.decode(packet, into: output)
                }
            }
        }
    }

    // MARK: - Patterns and routes

    /// The first line is a pattern (parsed both as a digit pattern and as a regex route); every other
    /// line is a digit string matched against both.
    private static func matchPatterns(_ data: UnsafeRawBufferPointer) {
        let items = lines(data)
        guard let first = items.first else { return }
        let pattern = try? DigitPattern(parsing: first)
        let regex = try? RouteRegex(parsing: first)
        for input in items.dropFirst().prefix(16) {
            let digits = Array(input.prefix(64))
            if let pattern {
                _ = pattern.matches(digits)
                _ = pattern.canStart(digits)
                _ = pattern.canExtend(digits)
            }
            _ = regex?.match(String(digits))
        }
    }

    // MARK: - Schedules

    private static func parseSchedule(_ data: UnsafeRawBufferPointer) {
        for item in lines(data).prefix(32) {
            _ = try? Weekday.days(parsing: item)
            _ = try? TimeOfDay(parsing: item)
            _ = try? TimeWindow(parsing: item)
            _ = try? CalendarDate(parsing: item)
            _ = try? DateRange(parsing: item)
            _ = try? ScheduleState(parsing: item)
            _ = try? Schedule.timeZone(named: item)
        }
    }
}
