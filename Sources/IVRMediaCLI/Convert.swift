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

    func run() throws {
        let outputFormat = try AudioOutput.format(for: output, encoding: encoding)
        var audio = try InputAudio(path: input, format: format, sampleRate: nil, strict: damage.strict)
        var mono: [Int16] = []
        while let block = try audio.next() {
            let channels = block.count
            for index in block[0].indices {
                var sum = 0
                for channel in 0..<channels { sum += Int(block[channel][index]) }
                mono.append(Int16(clamping: sum / channels))
            }
        }
        let isWAV = outputFormat == .wav || outputFormat == .wavMuLaw || outputFormat == .wavALaw
        if rate != nil && !isWAV {
            throw CLIError(.usage, "\(output): --rate applies to .wav outputs only; raw and Opus outputs are 8000 Hz")
        }
        let outputRate = isWAV ? (rate ?? audio.sampleRate) : 8000
        let samples =
            outputRate == audio.sampleRate
            ? mono : Resampling.resample(mono, from: audio.sampleRate, to: outputRate)
        try AudioOutput.write(samples, sampleRate: outputRate, to: output, encoding: encoding)
    }
}
