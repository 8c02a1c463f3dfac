import ArgumentParser
import DSPCore
import Foundation

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert audio between WAV, Ogg Opus and the raw formats of Asterisk prompt libraries.",
        discussion: """
            The formats follow the extensions: .wav, .opus/.ogg, .sln/.raw (signed 16-bit 8 kHz), \
            .ul/.ulaw (µ-law), .al/.alaw (A-law). Several channels are mixed down to one.
            """
    )

    @Argument(help: "The file to read.")
    var input: String

    @Argument(help: "The file to write.")
    var output: String

    @Option(help: "The format of the input, instead of its extension: \(InputFormat.helpList).")
    var format: InputFormat?

    @OptionGroup var damage: DamageOptions

    @Option(help: "The encoding of a .wav output: \(OutputEncoding.helpList).")
    var encoding: OutputEncoding?

    @Option(help: "The sample rate of a .wav output in Hz (default: the input's; raw and Opus outputs are 8000).")
    var rate: Int?

    func validate() throws {
        if let rate, !(8000...192_000).contains(rate) {
            throw ValidationError("--rate must be between 8000 and 192000")
        }
    }

    /// Streams: each block of the input is mixed down, resampled and written before the next is read,
    /// so memory stays that of one block whatever the input's length. A failure after the output was
    /// created removes it, so that an error never leaves half a file behind.
    func run() throws {
        let outputFormat = try AudioOutput.format(for: output, encoding: encoding)
        var audio = try InputAudio(path: input, format: format, sampleRate: nil, strict: damage.strict)
        let isWAV = outputFormat == .wav || outputFormat == .wavMuLaw || outputFormat == .wavALaw
        if rate != nil && !isWAV {
            throw CLIError(.usage, "\(output): --rate applies to .wav outputs only; raw and Opus outputs are 8000 Hz")
        }
        let outputRate = isWAV ? (rate ?? audio.sampleRate) : G711.sampleRate
        // The resampler keeps its state between blocks; its output does not depend on how the input is split.
        var resampler =
            outputRate == audio.sampleRate
            ? nil : Resampler(inputSampleRate: audio.sampleRate, outputSampleRate: outputRate)
        let writer = try AudioOutput.open(output, format: outputFormat, sampleRate: outputRate)
        do {
            var mixed: [Int16] = []
            var resampled: [Int16] = []
            while let block = try audio.next() {
                let channels = block.count
                if channels > 1 {
                    mixed.removeAll(keepingCapacity: true)
                    for index in block[0].indices {
                        var sum = 0
                        for channel in 0..<channels { sum += Int(block[channel][index]) }
                        mixed.append(Int16(clamping: sum / channels))
                    }
                }
                let mono = channels > 1 ? mixed : block[0]
                if resampler != nil {
                    let capacity = resampler!.maximumOutputFrameCount(inputFrameCount: mono.count)
                    if resampled.count < capacity { resampled = [Int16](repeating: 0, count: capacity) }
                    let produced = mono.withUnsafeBufferPointer { input in
                        resampled.withUnsafeMutableBufferPointer { resampler!.process(input, into: $0) }
                    }
                    try AudioOutput.write(resampled[..<produced], to: writer)
                } else {
                    try AudioOutput.write(mono[...], to: writer)
                }
            }
            if resampler != nil {
                let tail = resampler!.pendingFlushFrameCount
                if resampled.count < tail { resampled = [Int16](repeating: 0, count: tail) }
                let produced = resampled.withUnsafeMutableBufferPointer { resampler!.flush(into: $0) }
                try AudioOutput.write(resampled[..<produced], to: writer)
            }
            try AudioOutput.close(writer)
        } catch {
            try? AudioOutput.close(writer)
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
    }
}
