import ArgumentParser
import DSPCore
import Foundation
import MediaPipeline

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the DTMF keys in recorded calls.",
        discussion: """
            Prints one line per key: the time of its onset, the digit and how long it lasted. Every channel \
            of a multichannel file is a line of its own. Audio that is not 8 kHz is resampled first.
            Use - to read raw signed 16-bit little-endian 8 kHz mono audio from standard input.
            """
    )

    @Argument(help: "Audio files (.wav, .opus, .ogg, .sln, .raw, .ul, .ulaw, .al, .alaw), or - for standard input.")
    var files: [String]

    @Option(help: "The format of every input, instead of the extension: \(InputFormat.helpList).")
    var format: InputFormat?

    @OptionGroup var damage: DamageOptions

    @Flag(help: "One JSON object per key instead of text.")
    var json = false

    @Option(parsing: .unconditional, help: "The lowest level per tone that counts, dBm0.")
    var minLevelDbm0: Double = DTMFDetector.Configuration().minimumLevelDBm0

    @Option(help: "The largest normal twist (low tone louder), dB.")
    var maxNormalTwistDb: Double = DTMFDetector.Configuration().maximumNormalTwistDB

    @Option(help: "The largest reverse twist (high tone louder), dB.")
    var maxReverseTwistDb: Double = DTMFDetector.Configuration().maximumReverseTwistDB

    func validate() throws {
        guard minLevelDbm0 <= 0, minLevelDbm0 >= -60 else {
            throw ValidationError("--min-level-dbm0 must be between -60 and 0")
        }
        guard maxNormalTwistDb >= 0, maxNormalTwistDb <= 20, maxReverseTwistDb >= 0, maxReverseTwistDb <= 20 else {
            throw ValidationError("twist limits must be between 0 and 20 dB")
        }
    }

    var detectorConfiguration: DTMFDetector.Configuration {
        var configuration = DTMFDetector.Configuration()
        configuration.minimumLevelDBm0 = minLevelDbm0
        configuration.maximumNormalTwistDB = maxNormalTwistDb
        configuration.maximumReverseTwistDB = maxReverseTwistDb
        return configuration
    }

    func run() throws {
        var output = OutputLines()
        defer { output.flush() }
        let labelled = files.count > 1
        for file in files {
            try detect(file: file, labelled: labelled, output: &output)
        }
    }

    private func detect(file: String, labelled: Bool, output: inout OutputLines) throws {
        var input = try InputAudio(path: file, format: format, strict: damage.strict)
        let channels = input.channelCount
        var detectors = (0..<channels).map { _ in DTMFDetector(configuration: detectorConfiguration) }
        var progress = ProgressBar(
            label: file == "-" ? "stdin" : file, total: input.estimatedFrameCount ?? 0,
            enabled: StandardError.isTerminal && input.estimatedFrameCount != nil)
        var framesDone = 0
        let formatter = KeyFormatter(file: file, json: json, showFile: labelled, showChannel: channels > 1)
        while let block = try input.next() {
            for channel in 0..<channels {
                block[channel].withUnsafeBufferPointer { samples in
                    detectors[channel].process(samples) { event in
                        if event.kind == .keyUp { output.append(formatter.line(event, channel: channel)) }
                    }
                }
            }
            framesDone += block.first?.count ?? 0
            progress.update(framesDone)
        }
        for channel in 0..<channels {
            detectors[channel].finish { event in output.append(formatter.line(event, channel: channel)) }
        }
        progress.finish()
    }
}

/// Formats one key as text or JSON.
struct KeyFormatter {
    var file: String
    var json: Bool
    var showFile: Bool
    var showChannel: Bool

    func line(_ event: DTMFDetector.Event, channel: Int) -> String {
        let samplesPerMillisecond = Double(DTMFDetector.sampleRate) / 1000
        let onsetMilliseconds = Double(event.onsetSample) / samplesPerMillisecond
        let reportedMilliseconds = Double(event.keyDownReportedSample) / samplesPerMillisecond
        let durationMilliseconds = Double(event.durationSamples) / samplesPerMillisecond
        let level = (event.lowLevelDBm0 + event.highLevelDBm0) / 2
        if json {
            return
                "{\"file\":\(JSON.string(file)),\"channel\":\(channel),\"digit\":\(JSON.string(event.digit.description))"
                + ",\"onset_ms\":\(JSON.number(onsetMilliseconds)),\"reported_ms\":\(JSON.number(reportedMilliseconds))"
                + ",\"duration_ms\":\(JSON.number(durationMilliseconds)),\"level_dbm0\":\(JSON.number(level))"
                + ",\"low_dbm0\":\(JSON.number(event.lowLevelDBm0)),\"high_dbm0\":\(JSON.number(event.highLevelDBm0))"
                + ",\"evidence\":\"\(event.evidence.rawValue)\"}"
        }
        var columns: [String] = []
        if showFile { columns.append(file) }
        if showChannel { columns.append("ch\(channel)") }
        columns.append(String(format: "%10.3f", onsetMilliseconds / 1000))
        columns.append(event.digit.description)
        columns.append(String(format: "%5.0f ms", durationMilliseconds))
        return columns.joined(separator: "  ")
    }
}

/// Minimal JSON encoding for the flat objects the CLI prints.
enum JSON {
    static func string(_ text: String) -> String { EventLog.jsonString(text) }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return String(format: "%.1f", value)
    }
}
